/**
 * What the chart gives each process, taken from `helm template` output (never copied by hand): the collector's
 * config.yaml, and each container's environment resolved the way the kubelet resolves it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { chartDir, container, find, type K8sObject, KUBE_VERSION, podSpec, repoRoot } from '../../deploy/render';
import { e2eTool } from './tools';

export const RELEASE = 'cruddur-backend';
export const NAMESPACE = 'cruddur';

/** `helm template` of the chart with `values` layered over `valueFiles` (repository-relative paths). */
export function renderChart(values: Record<string, unknown> = {}, valueFiles: string[] = [], extraArgs: string[] = []): K8sObject[] {
  const args = ['template', RELEASE, chartDir, '--namespace', NAMESPACE, '--kube-version', KUBE_VERSION];
  for (const file of valueFiles) args.push('-f', path.join(repoRoot, file));
  // Values on stdin: no temp file, and helm reads `-f -` like any values file.
  args.push('-f', '-', ...extraArgs);
  const result = spawnSync(e2eTool('HELM'), args, { encoding: 'utf8', input: stringify(values) });
  if (result.status !== 0) throw new Error(`helm template ${args.join(' ')} failed: ${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

/** The collector sidecar's config.yaml exactly as the chart renders it into its ConfigMap. */
export function collectorConfigOf(objects: K8sObject[]): string {
  const text = find(objects, 'ConfigMap', `${RELEASE}-otel-collector`).data?.['config.yaml'];
  if (text === undefined) throw new Error('the collector ConfigMap has no config.yaml key');
  return text;
}

/** What only a running pod knows: downward-API fields and the Secret's keys. */
export interface PodFacts {
  fieldRefs: Record<string, string>;
  secrets: Record<string, string>;
}

interface EnvSource {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
  };
}

interface EnvContainer {
  env?: EnvSource[];
  envFrom?: { configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string } }[];
}

/**
 * A container's environment as the kubelet builds it: the image's ENV, then `envFrom` ConfigMaps, then `env`
 * in order (later wins), with `$(VAR)` references to variables defined before expanded. Field and Secret
 * references come from `facts`; an optional Secret key that `facts` lacks is left out, as in a pod.
 */
export function containerEnv(objects: K8sObject[], name: string, facts: PodFacts, image: Record<string, string> = {}): Record<string, string> {
  const spec = container(podSpec(find(objects, 'Deployment')), name) as unknown as EnvContainer;
  const configMap = (mapName: string) => find(objects, 'ConfigMap', mapName).data ?? {};
  const env: Record<string, string> = { ...image };
  for (const source of spec.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, configMap(source.configMapRef.name));
    else throw new Error(`container ${name}: envFrom ${JSON.stringify(source)} is not supported here`);
  }
  for (const variable of spec.env ?? []) {
    const value = resolve(variable, facts, configMap, env);
    if (value !== undefined) env[variable.name] = value;
  }
  return env;
}

function resolve(
  variable: EnvSource,
  facts: PodFacts,
  configMap: (name: string) => Record<string, string>,
  defined: Record<string, string>,
): string | undefined {
  if (variable.value !== undefined) {
    return variable.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (reference, ref: string) => defined[ref] ?? reference);
  }
  const from = variable.valueFrom;
  if (from?.fieldRef) {
    const value = facts.fieldRefs[from.fieldRef.fieldPath];
    if (value === undefined) throw new Error(`${variable.name}: no pod fact for fieldRef ${from.fieldRef.fieldPath}`);
    return value;
  }
  if (from?.secretKeyRef) {
    const value = facts.secrets[from.secretKeyRef.key];
    if (value === undefined && from.secretKeyRef.optional !== true) throw new Error(`${variable.name}: secret key ${from.secretKeyRef.key} is required`);
    return value;
  }
  if (from?.configMapKeyRef) {
    const value = configMap(from.configMapKeyRef.name)[from.configMapKeyRef.key];
    if (value === undefined && from.configMapKeyRef.optional !== true) throw new Error(`${variable.name}: no key ${from.configMapKeyRef.key}`);
    return value;
  }
  return '';
}

/**
 * The ENV of the Dockerfile's final stage (the image the chart runs), `${ARG}` references filled from
 * `buildArgs` as `docker build --build-arg` would.
 */
export function imageEnv(buildArgs: Record<string, string>): Record<string, string> {
  const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
  const finalStage = dockerfile.split(/^FROM\s/m).at(-1) ?? '';
  const env: Record<string, string> = {};
  for (const [, assignments = ''] of finalStage.matchAll(/^ENV\s+(.+)$/gm)) {
    for (const [, key = '', raw = ''] of assignments.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g)) {
      env[key] = raw.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, arg: string) => buildArgs[arg] ?? '');
    }
  }
  return env;
}
