import { execFile } from 'node:child_process';
import path from 'node:path';
import { eventually } from './e2e/tools';
import { ROOT } from './process';

/**
 * The local cluster (k8s/cluster, make cluster-up) as make cluster-journey hands it to the suite: its kubectl and
 * admin kubeconfig, helm, and the images it loaded. Asynchronous on purpose: a synchronous child process would stop
 * the event loop, and with it the load the drills send.
 */
export const NODE_ADDRESS = '10.245.0.1';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this suite with make cluster-journey`);
  return value;
}

export interface RunOptions {
  env?: Record<string, string>;
  timeoutMs?: number;
}

export function run(file: string, args: string[], options: RunOptions = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: ROOT,
        env: { ...process.env, KUBECONFIG: required('KUBECONFIG'), ...options.env },
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs and fails with the command's output unless it exits 0. */
export async function ok(file: string, args: string[], options: RunOptions = {}): Promise<string> {
  const result = await run(file, args, options);
  if (result.code !== 0) {
    throw new Error(`${path.basename(file)} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

export const kubectl = (args: string[], timeoutMs?: number): Promise<string> => ok(required('KUBECTL'), args, { timeoutMs });
export const helm = (args: string[], timeoutMs?: number): Promise<string> => ok(required('HELM'), args, { timeoutMs });
export const helmRun = (args: string[], timeoutMs?: number): Promise<Ran> => run(required('HELM'), args, { timeoutMs });

/** repository and tag of an image the Makefile names (IMAGE, COLLECTOR_IMAGE, XRAY_STAND_IN_IMAGE). */
export function imageOf(variable: 'IMAGE' | 'COLLECTOR_IMAGE' | 'XRAY_STAND_IN_IMAGE'): { repository: string; tag: string } {
  const image = required(variable);
  const colon = image.lastIndexOf(':');
  return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  state: { running?: { startedAt: string }; waiting?: { reason: string }; terminated?: { reason: string } };
}

export interface Pod {
  metadata: { name: string; labels: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string; initContainers?: { name: string; restartPolicy?: string }[]; containers: { name: string; image: string }[] };
  status: {
    phase: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export async function pods(namespace: string, selector: string): Promise<Pod[]> {
  const list = JSON.parse(await kubectl(['-n', namespace, 'get', 'pods', '-l', selector, '-o', 'json'])) as { items: Pod[] };
  return list.items;
}

/** A namespace enforcing PodSecurity restricted (and warning about it), once its default ServiceAccount exists. */
export async function restrictedNamespace(name: string): Promise<void> {
  await kubectl(['create', 'namespace', name]);
  await kubectl(['label', 'namespace', name, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/warn=restricted']);
  for (const deadline = Date.now() + 10_000; !(await kubectl(['-n', name, 'get', 'serviceaccounts', '-o', 'name'])).includes('default'); ) {
    if (Date.now() > deadline) throw new Error(`namespace ${name} has no default ServiceAccount after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The chart's --set arguments for the images make cluster-journey loaded: the app, the project's collector, the X-Ray stand-in. */
export function loadedImageValues(): string[] {
  const app = imageOf('IMAGE');
  const collector = imageOf('COLLECTOR_IMAGE');
  const xray = imageOf('XRAY_STAND_IN_IMAGE');
  return [
    '--set', `image.repository=${app.repository},image.tag=${app.tag}`,
    '--set', `collector.image.repository=${collector.repository},collector.image.tag=${collector.tag}`,
    '--set', `xray.image.repository=${xray.repository},xray.image.tag=${xray.tag}`,
  ];
}

/** A restricted namespace holding the chart's Secret as users make it: k8s/kind/create-secret.sh from the environment
 * (`secret`, dummy values; no .env read). */
export async function namespaceWithSecret(namespace: string, secret: Record<string, string>): Promise<void> {
  await restrictedNamespace(namespace);
  await ok('k8s/kind/create-secret.sh', [namespace], { env: { ...secret, ENV_FILE: '/dev/null', KUBECTL: required('KUBECTL') } });
}

/**
 * The base URL of a Service's first port on its ClusterIP, which the node reaches, once the Service answers there:
 * kube-proxy programs a Service's endpoints a moment after its pods are Ready, and until then the node refuses
 * connections to it.
 */
export async function serviceUrl(namespace: string, service: string): Promise<string> {
  const { spec } = JSON.parse(await kubectl(['-n', namespace, 'get', 'service', service, '-o', 'json'])) as { spec: { clusterIP: string; ports: { port: number }[] } };
  const url = `http://${spec.clusterIP}:${spec.ports[0]?.port ?? 80}`;
  await answering(`${url}/health`);
  return url;
}

/** Resolves once `url` answers HTTP, whatever the status; retries refused or broken connections until `timeoutMs`,
 * then fails with the last error. */
export async function answering(url: string, timeoutMs = 60_000): Promise<void> {
  let last: unknown;
  await eventually(
    async () => {
      try {
        await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).arrayBuffer();
        return true;
      } catch (error) {
        last = error;
        return undefined;
      }
    },
    () => `${url} to answer; last error: ${errorText(last)}`,
    timeoutMs,
    250,
  );
}

/** fetch's error with the socket's reason (ECONNREFUSED…), which it keeps in `cause`. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${(error.cause as NodeJS.ErrnoException).code ?? error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/** Waits until the pods of `selector` are all Ready and, with `count`, exactly that many. */
export async function readyPods(namespace: string, selector: string, count?: number, timeoutMs = 90_000): Promise<Pod[]> {
  return eventually(
    async () => {
      const all = await pods(namespace, selector);
      return all.length > 0 && (count === undefined || all.length === count) && all.every(isReady) ? all : undefined;
    },
    () => `${count ?? 'all'} Ready pod(s) of ${selector} in ${namespace}`,
    timeoutMs,
    1_000,
  );
}

/** helm uninstall --wait, then the namespace goes (the suites' namespaces are their own); either may be gone already. */
export async function uninstallWithNamespace(release: string, namespace: string): Promise<void> {
  await helm(['uninstall', release, '-n', namespace, '--ignore-not-found', '--wait', '--timeout', '2m'], 150_000);
  await kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=true', '--timeout=120s'], 130_000);
}

export const isReady = (pod: Pod): boolean =>
  pod.metadata.deletionTimestamp === undefined && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** `kubectl logs --timestamps` lines as [time in ns since the epoch, rest of the line]. */
export async function timestampedLogs(namespace: string, pod: string, container: string): Promise<[bigint, string][]> {
  const text = await kubectl(['-n', namespace, 'logs', pod, '-c', container, '--timestamps']);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const space = line.indexOf(' ');
      return [rfc3339Nanos(line.slice(0, space)), line.slice(space + 1)];
    });
}

/** 2026-12-01T10:00:00.123456789Z to nanoseconds (Date keeps only milliseconds). */
export function rfc3339Nanos(stamp: string): bigint {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(stamp);
  if (!match) throw new Error(`not an RFC 3339 time: ${stamp}`);
  const [, seconds = '', fraction = '', zone = ''] = match;
  return BigInt(Date.parse(seconds + zone)) * 1_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9));
}

/** The JSON objects among a log's lines (the app's json log format, the stand-in's segments). */
export function jsonObjects(text: string): Record<string, unknown>[] {
  const objects: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      objects.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line that only starts like JSON
    }
  }
  return objects;
}
