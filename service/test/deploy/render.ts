/**
 * Renders the chart with the real helm binary (env HELM, exported by the Makefile) and returns typed objects.
 * Shared by the deploy tests; a missing tool fails every test that needs it with a message saying what to set.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}
export interface Probe {
  httpGet?: { path: string; port: string | number };
  tcpSocket?: { port: string | number };
}
export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[] };
  seccompProfile?: { type: string };
}
export interface Container {
  name: string;
  image: string;
  restartPolicy?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number; protocol?: string; hostPort?: number }[];
  securityContext?: SecurityContext;
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number }; exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext;
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
}
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
  data?: Record<string, string>;
}

/** The repository root: the folder holding the chart, found upwards from this file. */
export const repoRoot = ((): string => {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'charts/cruddur-backend/Chart.yaml'))) return dir;
  }
  return process.cwd();
})();
export const chartDir = path.join(repoRoot, 'charts/cruddur-backend');

/**
 * The Kubernetes version every render in the tests pins with --kube-version (without it helm renders for the client
 * library it was built with): the newest of the Makefile's KUBE_VERSIONS, which deploy-check validates against.
 */
export const KUBE_VERSION = ((): string => {
  const versions = /^KUBE_VERSIONS := (.+)$/m.exec(readFileSync(path.join(repoRoot, 'Makefile'), 'utf8'))?.[1]?.trim().split(/\s+/);
  const newest = versions?.at(-1);
  if (newest === undefined) throw new Error('the Makefile defines no KUBE_VERSIONS');
  return newest;
})();

/** Path of a tool the Makefile exports (HELM, HADOLINT); never skip silently when it is missing. */
export function tool(name: 'HELM' | 'HADOLINT'): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set: run the deploy tests through \`make test\` (it installs the pinned tools into .tools/ and exports ${name}), or export ${name}=/path/to/the/binary`);
  }
  if (!existsSync(value)) throw new Error(`${name}=${value} does not exist: run \`make deploy-tools\``);
  return value;
}

export type Profile = 'default' | 'kind' | 'eks';

export interface RenderOptions {
  profile?: Profile;
  /** Values merged over the profile (written to a temp values file). */
  values?: Record<string, unknown>;
  /** Default KUBE_VERSION. */
  kubeVersion?: string;
  extraArgs?: string[];
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function helmTemplate(options: RenderOptions = {}): HelmResult {
  const args = ['template', 'cruddur-backend', chartDir, '--namespace', 'cruddur'];
  if (options.profile !== undefined) args.push('-f', path.join(chartDir, 'ci', `${options.profile}-values.yaml`));
  args.push('--kube-version', options.kubeVersion ?? KUBE_VERSION);
  const dir = mkdtempSync(path.join(tmpdir(), 'chart-values-'));
  try {
    if (options.values !== undefined) {
      const file = path.join(dir, 'values.yaml');
      writeFileSync(file, stringify(options.values));
      args.push('-f', file);
    }
    args.push(...(options.extraArgs ?? []));
    const result = spawnSync(tool('HELM'), args, { encoding: 'utf8' });
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function render(options: RenderOptions = {}): K8sObject[] {
  const result = helmTemplate(options);
  if (result.status !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

export function find(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found === undefined) throw new Error(`no ${kind}${name === undefined ? '' : ` ${name}`} in the rendered chart`);
  return found;
}

/** The spec of a rendered hook Job. */
export interface JobSpec {
  backoffLimit: number;
  activeDeadlineSeconds: number;
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec & { restartPolicy: string; automountServiceAccountToken?: boolean } };
}

/** What the tests of one hook Job read: values that enable it (under `valuesKey`), the rendered Job and its container. */
export function hookJob(name: string, valuesKey: string) {
  const job = (objects: K8sObject[]): K8sObject => find(objects, 'Job', name);
  return {
    enabled: (values: Record<string, unknown> = {}) => ({ [valuesKey]: { enabled: true, ...values } }),
    job,
    container: (objects: K8sObject[]): Container => {
      const [c] = podSpec(job(objects)).containers;
      if (c === undefined) throw new Error(`the Job ${name} has no container`);
      return c;
    },
  };
}

export function podSpec(object: K8sObject): PodSpec {
  if (object.kind === 'Pod') return object.spec as PodSpec;
  return (object.spec as { template: { spec: PodSpec } }).template.spec;
}

export function podAnnotations(object: K8sObject): Record<string, string> {
  return (object.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations ?? {};
}

export function container(spec: PodSpec, name: string): Container {
  const found = [...(spec.initContainers ?? []), ...spec.containers].find((c) => c.name === name);
  if (found === undefined) throw new Error(`no container ${name}`);
  return found;
}

export function env(c: Container, name: string): EnvVar | undefined {
  return c.env?.find((e) => e.name === name);
}
