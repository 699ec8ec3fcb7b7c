import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { eventually } from '../support/e2e/tools';
import {
  helm,
  kubectl,
  ok,
  type Pod,
  readyPods,
  run,
  serviceUrl,
} from '../support/cluster';
import { ROOT } from '../support/process';

/**
 * skaffold on the local cluster as the README tells users to run it (make cluster-skaffold-run / cluster-skaffold-dev,
 * k8s/cluster/skaffold.sh): the app image built by skaffold, pushed to the registry on 127.0.0.1:5000 and pulled from
 * there by the node, the chart deployed with the cluster profile in a namespace enforcing PodSecurity restricted; then
 * skaffold dev and one edit under service/src, served by the running pod without a rebuild.
 */

const NAMESPACE = 'cruddur-local';
const RELEASE = 'cruddur-backend';
const APP = `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=api`;
const SKAFFOLD = path.join(ROOT, 'k8s/cluster/skaffold.sh');
/** The file the dev test edits, and what it changes in the answer of GET /api/activities/notifications. */
const EDITED = path.join(ROOT, 'service/src/services/notifications-activities.ts');
const ORIGINAL_MESSAGE = 'Cloud is absolutely fun! (Azure UI Supremacy!)';

const readyApp = (): Promise<Pod[]> => readyPods(NAMESPACE, APP, undefined, 120_000);

async function get(route: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${await serviceUrl(NAMESPACE, RELEASE)}${route}`, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.text() };
}

/** The app container's image reference as the chart wrote it (its status holds the resolved id instead). */
const appImage = (pod: Pod) => pod.spec.containers.find((c) => c.name === 'app')?.image;
const appRestarts = (pod: Pod) => pod.status.containerStatuses?.find((c) => c.name === 'app')?.restartCount;
/** skaffold dev's own lines, without the pods' logs it streams. */
const ownLines = (output: string) =>
  output
    .split('\n')
    .filter((line) => !line.startsWith('['))
    .slice(-60)
    .join('\n');
/** What skaffold pushed and the node pulled: the registry's repository, a tag and the digest. */
const PUSHED = /^127\.0\.0\.1:5000\/cruddur-backend:[^@]+@sha256:[0-9a-f]{64}$/;
/** The prod image skaffold run deployed, which skaffold dev must not reuse. */
let prodImage = '';

describe('skaffold on the local cluster (make cluster-journey)', function () {
  this.timeout(600_000);

  describe('skaffold run (profile cluster)', function () {
    after(() => ok(SKAFFOLD, ['delete'], { timeoutMs: 180_000 }));

    it('builds the app image, pushes it to the registry on 127.0.0.1:5000 and deploys the chart, its status check passing', async function () {
      const started = Date.now();
      const result = await run(SKAFFOLD, ['run', '--status-check=true'], { timeoutMs: 540_000 });
      process.stdout.write(`      skaffold run: ${Date.now() - started} ms\n`);
      expect(result.code, `${result.stdout}\n${result.stderr}`).to.equal(0);
    });

    it('runs the pushed image, which the node pulled from the registry by its digest', async function () {
      for (const pod of await readyApp()) expect(appImage(pod), pod.metadata.name).to.match(PUSHED);
      prodImage = appImage((await readyApp())[0] as Pod) ?? '';
    });

    it('answers through its Service', async function () {
      expect((await get('/api/activities/home')).status).to.equal(200);
    });
  });

  describe('skaffold dev: an edit under service/src served without a rebuild', function () {
    let dev: ChildProcess | undefined;
    let output = '';
    let original = '';

    before(async function () {
      // The edit is made in this checkout and undone after: never over someone's uncommitted change.
      const dirty = await run('git', ['diff', '--quiet', '--', EDITED]);
      expect(dirty.code, `${path.relative(ROOT, EDITED)} has uncommitted changes: commit or stash them first`).to.equal(0);
      original = readFileSync(EDITED, 'utf8');
      expect(original).to.include(ORIGINAL_MESSAGE);
      dev = spawn(SKAFFOLD, ['dev'], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
      };
      dev.stdout?.on('data', collect);
      dev.stderr?.on('data', collect);
      await eventually(
        () => {
          if (dev?.exitCode !== null) throw new Error(`skaffold dev exited ${String(dev?.exitCode)}:\n${ownLines(output)}`);
          return output.includes('Watching for changes') ? true : undefined;
        },
        () => `skaffold dev watching for changes; its output so far:\n${ownLines(output)}`,
        480_000,
        1_000,
      );
    });

    after(async function () {
      if (original !== '') writeFileSync(EDITED, original);
      if (dev === undefined || dev.exitCode !== null) return;
      const exited = new Promise<number | null>((resolve) => dev?.once('exit', resolve));
      // Ctrl+C: skaffold dev removes what it deployed; with-engine.sh then stops the engine.
      dev.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => {
          setTimeout(resolve, 120_000, 'timeout');
        })]);
      expect(code, `skaffold dev stopping:\n${ownLines(output)}`).not.to.equal('timeout');
      expect((await helm(['list', '-n', NAMESPACE, '-q'])).trim(), 'releases left by skaffold dev').to.equal('');
      await kubectl(['delete', 'namespace', NAMESPACE, '--wait=true', '--timeout=120s'], 130_000);
    });

    it('deploys the dev image (not the prod one skaffold run pushed) and serves the API', async function () {
      for (const pod of await readyApp()) {
        expect(appImage(pod), pod.metadata.name).to.match(PUSHED).and.not.to.equal(prodImage);
      }
      const answer = await get('/api/activities/notifications');
      expect(answer.status).to.equal(200);
      expect(answer.body).to.include(ORIGINAL_MESSAGE);
    });

    it('syncs the edited file into the running container, which serves it after its watch rebuilds: same pod, no restart, no image build', async function () {
      const [before] = await readyApp();
      if (before === undefined) expect.fail('no app pod');
      const builds = output.split('Building [').length;
      const edited = `Synced by skaffold dev at ${new Date().toISOString()}`;
      const saved = Date.now();
      writeFileSync(EDITED, original.replace(ORIGINAL_MESSAGE, edited));
      await eventually(async () => ((await get('/api/activities/notifications').catch(() => ({ status: 0, body: '' }))).body.includes(edited) ? true : undefined), () => `the edit served; skaffold dev's output:\n${ownLines(output)}`, 90_000, 500);
      process.stdout.write(`      edit served ${Date.now() - saved} ms after saving\n`);
      expect(output).to.match(/Syncing 1 files? for 127\.0\.0\.1:5000\/cruddur-backend/);
      expect(output.split('Building [').length, 'image builds after the edit').to.equal(builds);
      const [after] = await readyApp();
      expect(after?.metadata.name).to.equal(before.metadata.name);
      expect(appRestarts(after as Pod)).to.equal(appRestarts(before));
    });
  });
});
