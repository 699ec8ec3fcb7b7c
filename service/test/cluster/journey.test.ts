import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { HEALTHY_MIX, Load, type LoadResult } from '../support/e2e/load';
import { eventually, sleep } from '../support/e2e/tools';
import {
  helm,
  helmRun,
  isReady,
  jsonObjects,
  kubectl,
  loadedImageValues,
  namespaceWithSecret,
  NODE_ADDRESS,
  ok,
  type Pod,
  pods,
  readyPods,
  serviceUrl,
  timestampedLogs,
  uninstallWithNamespace,
} from '../support/cluster';
import { CloudWatchLogs, OtlpReceiver, OtlpSpanKind, RollbarApi } from '../support/stand-ins';

/**
 * Issue 15's journey on the local cluster (make cluster-journey: images built and loaded, cluster up before, down
 * after): the chart installed as users install it, in a namespace enforcing PodSecurity restricted, with the
 * project's collector, the X-Ray daemon STAND-IN and every backend a stand-in on the node; then the smoke script,
 * where each signal arrives, and rollouts under load. The tests run in order: each drill starts from the state the
 * one before left.
 */

const NAMESPACE = 'cruddur-journey';
const RELEASE = 'cruddur-backend';
const APP = `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=api`;
const DAEMON = `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=xray-daemon`;
/** The dummy values users would have in .env; the stand-ins accept only these. */
const SECRET = {
  HONEYCOMB_API_KEY: 'journey-honeycomb-ingest-key',
  ROLLBAR_ACCESS_TOKEN: 'journey-rollbar-server-token',
  AWS_ACCESS_KEY_ID: 'JOURNEYTESTACCESSKEY',
  AWS_SECRET_ACCESS_KEY: 'journey-example-secret-access-key',
};
/** Bounded load through the Service: 10 loops pausing 190 ms is about 50 requests/s, never more than the cap. */
const LOAD = { workers: 10, pauseMs: 190, maxRequests: 3_500, maxDurationMs: 60_000, timeoutMs: 5_000 };
/** How long after the load starts the drill's action starts, so both pods are serving it first. */
const LEAD_MS = 5_000;

const honeycomb = new OtlpReceiver({ requiredHeaders: { 'x-honeycomb-team': SECRET.HONEYCOMB_API_KEY } });
const cloudwatch = new CloudWatchLogs();
const rollbar = new RollbarApi();
let baseUrl = '';

/** The drills' figures in the run's output (the report and the README quote them). */
function report(line: string): void {
  process.stdout.write(`      ${line}\n`);
}

/** The release's values: the profiles a user stacks, the loaded images' tags, the stand-ins' endpoints. */
function releaseArgs(extra: string[] = []): string[] {
  return [
    'upgrade', '--install', RELEASE, 'charts/cruddur-backend', '-n', NAMESPACE,
    '-f', 'charts/cruddur-backend/ci/kind-values.yaml',
    '-f', 'k8s/cluster/values-local.yaml',
    '-f', 'k8s/cluster/values-journey.yaml',
    ...loadedImageValues(),
    '--set', `collector.honeycomb.endpoint=${honeycomb.url}`,
    '--set', `config.extraEnv[0].name=CLOUDWATCH_ENDPOINT,config.extraEnv[0].value=${cloudwatch.url}`,
    '--set', `config.extraEnv[1].name=ROLLBAR_ENDPOINT,config.extraEnv[1].value=${rollbar.endpoint}`,
    ...extra,
  ];
}

async function revision(): Promise<number> {
  const [latest] = JSON.parse(await helm(['history', RELEASE, '-n', NAMESPACE, '-o', 'json', '--max', '1'])) as { revision: number }[];
  if (latest === undefined) throw new Error('no release history');
  return latest.revision;
}

async function readyApp(): Promise<Pod[]> {
  return (await pods(NAMESPACE, APP)).filter(isReady);
}

interface Drill {
  results: LoadResult[];
  failed: LoadResult[];
  actionMs: number;
  loadMs: number;
}

/** Runs `action` while the bounded load runs; resolves when both have ended. */
async function underLoad(label: string, action: () => Promise<unknown>): Promise<Drill> {
  const started = Date.now();
  const load = new Load(baseUrl, HEALTHY_MIX, LOAD, label).start();
  await sleep(LEAD_MS);
  const actionStarted = Date.now();
  let actionMs: number;
  try {
    await action();
    actionMs = Date.now() - actionStarted;
  } finally {
    // The load ends by its own bounds even when the action failed.
    await load.finished();
  }
  const results = load.results;
  const drill = { results, failed: results.filter((r) => r.status === 0 || r.status >= 500), actionMs, loadMs: Date.now() - started };
  report(`${label}: ${results.length} requests in ${drill.loadMs} ms, ${drill.failed.length} failed, action ${actionMs} ms`);
  for (const failure of drill.failed.slice(0, 10)) report(`  ${failure.requestId} ${failure.path}: ${failure.status} ${failure.error ?? ''}`);
  // A drill proves nothing about the part of the action the load did not cover.
  expect(LEAD_MS + actionMs, `${label}: the action ended while the load still ran`).to.be.lessThan(LOAD.maxDurationMs);
  return drill;
}

/** Trace ids of completed requests whose server span the Honeycomb stand-in has not received. */
function undelivered(results: LoadResult[]): string[] {
  const servers = new Set(honeycomb.spans().filter((s) => s.kind === OtlpSpanKind.SERVER).map((s) => s.traceId));
  return results.filter((r) => r.status !== 0 && r.traceId !== '').map((r) => r.traceId).filter((id) => !servers.has(id));
}

async function expectAllDelivered(results: LoadResult[]): Promise<void> {
  const missing = await eventually(
    () => {
      const left = undelivered(results);
      return left.length === 0 ? left : undefined;
    },
    () => `the server spans of ${undelivered(results).length} completed request(s) at the Honeycomb stand-in`,
    30_000,
    500,
  );
  expect(missing).to.deep.equal([]);
}

async function expectRolledOut(): Promise<void> {
  await kubectl(['-n', NAMESPACE, 'rollout', 'status', `deployment/${RELEASE}`, '--timeout=120s'], 130_000);
  expect(await readyPods(NAMESPACE, APP, 2, 60_000)).to.have.length(2);
}

/** Whether kube-proxy's rules send new Service connections to `podIP`: one rule per endpoint in a Service's chain,
 * commented "namespace/service:port -> ip:port". */
async function routedTo(podIP: string): Promise<boolean> {
  const rules = await ok('iptables-save', ['-t', 'nat']);
  return rules.split('\n').some((rule) => rule.startsWith('-A KUBE-SVC-') && rule.includes(`-> ${podIP}:`));
}

/** The time (ms since the epoch) from which kube-proxy's rules send no new Service connection to `podIP`. */
function unroutedSince(podIP: string): Promise<number> {
  return eventually(async () => ((await routedTo(podIP)) ? undefined : Date.now()), () => `kube-proxy's rules without ${podIP}`, 60_000, 50);
}

/** `kubectl logs -f` of a container until stop(), which returns what it printed (a deleted pod's log goes with it). */
function followLogs(pod: string, container: string): { stop: () => string } {
  let text = '';
  const child = spawn(process.env.KUBECTL ?? 'kubectl', ['-n', NAMESPACE, 'logs', '-f', pod, '-c', container], { stdio: ['ignore', 'pipe', 'ignore'] });
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return {
    stop: () => {
      child.kill();
      return text;
    },
  };
}

describe('cluster journey (make cluster-journey)', function () {
  this.timeout(300_000);

  before(async function () {
    // Stand-ins on the node's bridge address: the only host address pods may reach.
    await honeycomb.start(NODE_ADDRESS);
    await cloudwatch.start(NODE_ADDRESS);
    await rollbar.start(NODE_ADDRESS);
    await namespaceWithSecret(NAMESPACE, SECRET);
  });

  after(async function () {
    // The release goes as users remove it, which frees the node for the next suite; the cluster goes down after
    // every suite (make cluster-journey).
    await uninstallWithNamespace(RELEASE, NAMESPACE).finally(() => Promise.all([honeycomb.stop(), cloudwatch.stop(), rollbar.stop()]));
  });

  describe('install', function () {
    it('helm upgrade --install --wait succeeds in a namespace enforcing PodSecurity restricted, with no warning', async function () {
      const started = Date.now();
      const result = await helmRun([...releaseArgs(), '--wait', '--timeout', '3m'], 200_000);
      report(`install: ${Date.now() - started} ms`);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).not.to.match(/would violate PodSecurity/);
      baseUrl = await serviceUrl(NAMESPACE, RELEASE);
    });

    it('runs the loaded images: the app, the project\'s collector and the X-Ray daemon stand-in', async function () {
      const [pod] = await pods(NAMESPACE, APP);
      const [daemon] = await pods(NAMESPACE, DAEMON);
      const images = JSON.stringify([pod?.status, daemon?.status]);
      for (const variable of ['IMAGE', 'COLLECTOR_IMAGE', 'XRAY_STAND_IN_IMAGE'] as const) expect(images).to.include(process.env[variable]);
    });

    it('has every pod Ready: two app pods and the daemon stand-in', async function () {
      expect(await readyApp()).to.have.length(2);
      expect((await pods(NAMESPACE, DAEMON)).filter(isReady)).to.have.length(1);
    });

    it('starts the collector before the app (native sidecar: an init container that keeps running)', async function () {
      for (const pod of await pods(NAMESPACE, APP)) {
        expect(pod.spec.initContainers?.find((c) => c.name === 'otel-collector')?.restartPolicy, pod.metadata.name).to.equal('Always');
        // Container start times have second precision; the first log lines' timestamps have nanoseconds.
        const [collectorFirst] = await timestampedLogs(NAMESPACE, pod.metadata.name, 'otel-collector');
        const [appFirst] = await timestampedLogs(NAMESPACE, pod.metadata.name, 'app');
        if (collectorFirst === undefined || appFirst === undefined) expect.fail(`${pod.metadata.name}: a container logged nothing`);
        expect(collectorFirst[0] < appFirst[0], `${pod.metadata.name}: collector's first line before the app's`).to.equal(true);
      }
    });

    it('passes helm test', async function () {
      const out = await helm(['test', RELEASE, '-n', NAMESPACE, '--logs'], 120_000);
      expect(out).to.match(/Phase:\s+Succeeded/);
    });
  });

  describe('make smoke and where each signal lands', function () {
    // The API call's trace id (/health, the probes' path, is not traced).
    let id = '';

    it('make smoke (BASE_URL = the Service\'s ClusterIP) prints a trace id and links for each call', async function () {
      const out = await ok('make', ['--no-print-directory', 'smoke', `KUBECTL=${process.env.KUBECTL ?? ''}`, `NAMESPACE=${NAMESPACE}`, `RELEASE=${RELEASE}`], { env: { BASE_URL: baseUrl } });
      report(out.trimEnd().replace(/\n/g, '\n      | ').replace(/^/, '| '));
      expect(out).to.match(/^OK {3}200 \/health$/m).and.to.match(/^OK {3}200 \/api\/activities\/home$/m);
      const ids = [...out.matchAll(/trace id {3}([0-9a-f]{32})/g)].map((m) => m[1] ?? '');
      expect(ids).to.have.length(1);
      id = ids[0] ?? '';
      expect(out).to.include(`trace?trace_id=${id}`).and.to.include(`#xray:traces/1-${id.slice(0, 8)}-${id.slice(8)}`);
    });

    it('the API call\'s spans reach the Honeycomb stand-in through the collector sidecar, with the Secret\'s key', async function () {
      const spans = await honeycomb.waitForSpans((s) => s.traceId === id && s.kind === OtlpSpanKind.SERVER, 30_000);
      expect(spans[0]?.resource['service.name']).to.equal('cruddur-backend');
      expect(honeycomb.requests.length).to.be.greaterThan(0);
      for (const request of honeycomb.requests) expect(request.headers['x-honeycomb-team']).to.equal(SECRET.HONEYCOMB_API_KEY);
    });

    it('its segment reaches the X-Ray daemon stand-in through the chart\'s node-local Service (kubectl logs)', async function () {
      const xrayId = `1-${id.slice(0, 8)}-${id.slice(8)}`;
      const [daemon] = await pods(NAMESPACE, DAEMON);
      const segment = await eventually(
        async () =>
          jsonObjects(await kubectl(['-n', NAMESPACE, 'logs', daemon?.metadata.name ?? '', '-c', 'xray-daemon']))
            .filter((line) => line.stand_in === 'xray-daemon')
            .map((line) => line.segment as Record<string, unknown> | undefined)
            .find((doc) => doc?.trace_id === xrayId),
        () => `segment ${xrayId} in the stand-in's log`,
        20_000,
        1_000,
      );
      expect(segment.name).to.equal('cruddur-backend');
    });

    it('its log lines reach the CloudWatch Logs stand-in and kubectl logs', async function () {
      const shipped = await eventually(
        () => {
          const lines = cloudwatch
            .logStreamNames('cruddur')
            .flatMap((stream) => cloudwatch.messages('cruddur', stream))
            .filter((m) => m.includes(id));
          return lines.length > 0 ? lines : undefined;
        },
        () => `a log line with trace id ${id} in the CloudWatch stand-in's group cruddur (streams: ${cloudwatch.logStreamNames('cruddur').join(', ')})`,
        30_000,
        500,
      );
      expect(shipped.map((m) => JSON.parse(m) as Record<string, unknown>).some((line) => line.trace_id === id)).to.equal(true);
      const logs = await Promise.all((await pods(NAMESPACE, APP)).map((pod) => kubectl(['-n', NAMESPACE, 'logs', pod.metadata.name, '-c', 'app'])));
      expect(jsonObjects(logs.join('\n')).some((line) => line.trace_id === id)).to.equal(true);
    });
  });

  describe('rollouts under load through the Service', function () {
    it('a rolling helm upgrade (config.logLevel) fails no request and delivers every completed request\'s server span', async function () {
      const before = (await readyApp()).map((p) => p.metadata.name);
      const drill = await underLoad('upgrade', () => helm([...releaseArgs(['--set', 'config.logLevel=debug']), '--wait', '--timeout', '3m'], 200_000));
      await expectRolledOut();
      const after = (await readyApp()).map((p) => p.metadata.name);
      expect(after.filter((name) => before.includes(name)), 'pods replaced by the checksum annotation').to.deep.equal([]);
      expect(drill.failed).to.deep.equal([]);
      await expectAllDelivered(drill.results);
    });

    it('helm rollback fails no request and delivers every completed request\'s server span', async function () {
      const target = (await revision()) - 1;
      const drill = await underLoad('rollback', () => helm(['rollback', RELEASE, String(target), '-n', NAMESPACE, '--wait', '--timeout', '3m'], 200_000));
      await expectRolledOut();
      expect(drill.failed).to.deep.equal([]);
      await expectAllDelivered(drill.results);
    });

    it('a deleted pod fails no request and loses no completed request\'s server span', async function () {
      const [victim] = await readyApp();
      if (victim === undefined) expect.fail('no Ready app pod');
      const victimIP = victim.status.podIP ?? '';
      expect(await routedTo(victimIP), `kube-proxy's rules route to ${victimIP} before the drill`).to.equal(true);
      const logs = followLogs(victim.metadata.name, 'app');
      let unroutedAt = 0;
      const drill = await underLoad('pod delete', async () => {
        const deleted = kubectl(['-n', NAMESPACE, 'delete', 'pod', victim.metadata.name, '--wait=true', '--timeout=90s'], 100_000);
        unroutedAt = await unroutedSince(victimIP);
        await deleted;
      });
      await expectRolledOut();
      expect(drill.failed).to.deep.equal([]);
      await expectAllDelivered(drill.results);
      // What preStop is for: the node routes no new connection to the pod by the time it stops accepting them.
      const shutdown = jsonObjects(logs.stop()).find((line) => line.message === 'shutting down');
      if (shutdown === undefined) expect.fail(`${victim.metadata.name} logged no shutdown`);
      const sigtermAt = Date.parse(String(shutdown.timestamp));
      report(`pod delete: the Service stopped routing to the pod ${sigtermAt - unroutedAt} ms before its SIGTERM`);
      expect(unroutedAt, 'the Service still routed to the pod when it got SIGTERM').to.be.lessThan(sigtermAt);
    });

    it('an X-Ray daemon rollout (surge: the new pod Ready before the old one goes) loses no completed request\'s segment', async function () {
      const daemonSet = `daemonset/${RELEASE}-xray`;
      const [old] = await readyPods(NAMESPACE, DAEMON, 1, 60_000);
      if (old === undefined) expect.fail('no Ready daemon pod');
      const oldLog = followLogs(old.metadata.name, 'xray-daemon');
      const drill = await underLoad('daemon rollout', async () => {
        await kubectl(['-n', NAMESPACE, 'rollout', 'restart', daemonSet]);
        await kubectl(['-n', NAMESPACE, 'rollout', 'status', daemonSet, '--timeout=120s'], 130_000);
      });
      expect(drill.failed).to.deep.equal([]);
      const [current] = await readyPods(NAMESPACE, DAEMON, 1, 60_000);
      if (current === undefined || current.metadata.name === old.metadata.name) expect.fail('the daemon pod was not replaced');
      const wanted = drill.results.filter((r) => r.status !== 0 && r.traceId !== '').map((r) => `1-${r.traceId.slice(0, 8)}-${r.traceId.slice(8)}`);
      const segmentsIn = (text: string) =>
        jsonObjects(text)
          .filter((line) => line.stand_in === 'xray-daemon')
          .map((line) => String((line.segment as Record<string, unknown> | undefined)?.trace_id));
      const oldSegments = new Set(segmentsIn(oldLog.stop()));
      const missing = async () => {
        const received = new Set([...oldSegments, ...segmentsIn(await kubectl(['-n', NAMESPACE, 'logs', current.metadata.name, '-c', 'xray-daemon']))]);
        return wanted.filter((id) => !received.has(id));
      };
      // Waits for the last segments to be logged, then counts what never came.
      const lost = await eventually(async () => ((await missing()).length === 0 ? [] : undefined), () => 'every segment at either daemon', 30_000, 1_000).catch(missing);
      report(`daemon rollout: ${wanted.length} segments sent, ${wanted.length - lost.length} delivered, ${lost.length} lost`);
      expect(lost).to.deep.equal([]);
    });

    it('an upgrade restricted PodSecurity refuses (xray.addressMode=hostPort) fails with --wait, and helm rollback restores the release', async function () {
      const good = await revision();
      const refused = await helmRun([...releaseArgs(['--set', 'xray.addressMode=hostPort']), '--wait', '--timeout', '45s'], 120_000);
      expect(refused.code, 'helm upgrade exit code').not.to.equal(0);
      const events = await kubectl(['-n', NAMESPACE, 'get', 'events', '--field-selector', 'reason=FailedCreate', '-o', 'jsonpath={.items[*].message}']);
      expect(events).to.match(/violates PodSecurity "restricted/);
      await helm(['rollback', RELEASE, String(good), '-n', NAMESPACE, '--wait', '--timeout', '3m'], 200_000);
      const [status] = JSON.parse(await helm(['history', RELEASE, '-n', NAMESPACE, '-o', 'json', '--max', '1'])) as { status: string }[];
      expect(status?.status).to.equal('deployed');
      await expectRolledOut();
      expect(await readyPods(NAMESPACE, DAEMON, 1, 60_000), 'the daemon stand-in Ready again').to.have.length(1);
      const res = await fetch(`${baseUrl}/api/activities/home`, { signal: AbortSignal.timeout(5_000) });
      expect(res.status).to.equal(200);
    });
  });
});
