import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builtImage, Container, get } from '../support/docker';
import { ROOT } from '../support/process';

/** The file the test edits, relative to the repository root (and to /app in the image). */
const PROBES = 'service/src/api/probes.ts';

describe('the dev image (skaffold dev)', () => {
  const image = `${builtImage('IMAGE')}-dev`;
  let container: Container | undefined;
  let dir: string | undefined;

  afterEach(() => {
    container?.remove();
    container = undefined;
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('serves a synced change to service/src after the watch restarts, without a rebuild', async function () {
    this.timeout(240_000);
    // The chart's dev profile: writable root filesystem (tsc writes dist/), no capabilities.
    container = Container.run(image, ['--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--publish', '127.0.0.1::4567']);
    const port = container.hostPort(4567);
    await container.waitFor(port, '/health', (answer) => answer.body === 'Healthy', 120_000);

    dir = mkdtempSync(path.join(tmpdir(), 'dev-sync-'));
    const edited = readFileSync(path.join(ROOT, PROBES), 'utf8').replace("ctx.body = 'Healthy';", "ctx.body = 'Healthy, synced';");
    expect(edited).to.include('Healthy, synced');
    mkdirSync(path.join(dir, path.dirname(PROBES)), { recursive: true });
    writeFileSync(path.join(dir, PROBES), edited);
    // What skaffold's manual sync does: a tar stream of the changed files unpacked in the container as its user.
    const tar = spawnSync('tar', ['-c', '-C', dir, PROBES]);
    expect(tar.status).to.equal(0);
    container.exec(['tar', '-x', '-m', '--no-same-owner', '-C', '/app'], tar.stdout);

    expect(await container.waitFor(port, '/health', (answer) => answer.body === 'Healthy, synced', 120_000)).to.deep.equal({
      status: 200,
      body: 'Healthy, synced',
    });
    expect((await get(port, '/api/activities/home'))?.status).to.equal(200);
  });
});
