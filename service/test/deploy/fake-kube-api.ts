/**
 * What the chart sees through `lookup` when it is installed, without a cluster: `helm install --dry-run=server`
 * against a stand-in for the Kubernetes API on loopback. The stand-in answers discovery for the kinds the chart
 * renders and serves the Namespaces and Secrets a test gives it; every other object is not found, so Helm takes the
 * install for a new one. (`helm template` and client dry runs never call the API: there `lookup` finds nothing.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

import { chartDir, type HelmResult, type Profile, tool } from './render';

/** The API groups and resources of what the chart renders: [plural, kind, namespaced]. */
const RESOURCES: Record<string, [string, string, boolean][]> = {
  v1: [['namespaces', 'Namespace', false], ['secrets', 'Secret', true], ['serviceaccounts', 'ServiceAccount', true], ['configmaps', 'ConfigMap', true], ['services', 'Service', true], ['pods', 'Pod', true]],
  'apps/v1': [['deployments', 'Deployment', true], ['daemonsets', 'DaemonSet', true]],
  'batch/v1': [['jobs', 'Job', true]],
  'policy/v1': [['poddisruptionbudgets', 'PodDisruptionBudget', true]],
  'networking.k8s.io/v1': [['networkpolicies', 'NetworkPolicy', true], ['ingresses', 'Ingress', true]],
  'autoscaling/v2': [['horizontalpodautoscalers', 'HorizontalPodAutoscaler', true]],
  'scheduling.k8s.io/v1': [['priorityclasses', 'PriorityClass', false]],
};

export interface ClusterObject {
  kind: 'Namespace' | 'Secret';
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
}

function answer(objects: ClusterObject[], url: string): [number, unknown] {
  const route = url.split('?')[0] ?? '';
  if (route === '/version') return [200, { major: '1', minor: '33', gitVersion: 'v1.33.0' }];
  if (route === '/api') return [200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] }];
  if (route === '/apis') {
    const groups = Object.keys(RESOURCES)
      .filter((groupVersion) => groupVersion.includes('/'))
      .map((groupVersion) => {
        const [name, version] = groupVersion.split('/');
        return { name, versions: [{ groupVersion, version }], preferredVersion: { groupVersion, version } };
      });
    return [200, { kind: 'APIGroupList', apiVersion: 'v1', groups }];
  }
  const groupVersion = route === '/api/v1' ? 'v1' : route.startsWith('/apis/') ? route.slice('/apis/'.length) : '';
  const resources = RESOURCES[groupVersion];
  if (resources !== undefined) {
    return [200, { kind: 'APIResourceList', groupVersion, resources: resources.map(([name, kind, namespaced]) => ({ name, singularName: '', namespaced, kind, verbs: ['get', 'list'] })) }];
  }
  const found = objects.find((o) =>
    o.kind === 'Namespace' ? route === `/api/v1/namespaces/${o.metadata.name}` : route === `/api/v1/namespaces/${o.metadata.namespace ?? ''}/secrets/${o.metadata.name}`,
  );
  if (found !== undefined) return [200, { apiVersion: 'v1', ...found }];
  // A list (Helm's release history) is empty; a single object is not found.
  if (/^\/api\/v1\/namespaces\/[^/]+\/secrets$/.test(route)) return [200, { kind: 'SecretList', apiVersion: 'v1', metadata: {}, items: [] }];
  return [404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }];
}

export interface InstallOptions {
  profile?: Profile;
  values?: Record<string, unknown>;
  /** What the cluster holds: the release's namespace and Secrets, as the chart's lookups read them. */
  cluster?: ClusterObject[];
}

/** `helm install --dry-run=server` into namespace cruddur of a cluster holding options.cluster; stdout has the NOTES. */
export async function installDryRun(options: InstallOptions = {}): Promise<HelmResult> {
  const objects = options.cluster ?? [];
  const server: Server = createServer((req, res) => {
    const [status, body] = answer(objects, req.url ?? '/');
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = mkdtempSync(path.join(tmpdir(), 'fake-kube-api-'));
  try {
    const { port } = server.address() as AddressInfo;
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: `http://127.0.0.1:${String(port)}` } }],
      users: [{ name: 'fake', user: {} }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake' } }],
      'current-context': 'fake',
    }));
    const args = ['install', 'cruddur-backend', chartDir, '--namespace', 'cruddur', '--dry-run=server', '--disable-openapi-validation', '--kubeconfig', kubeconfig];
    if (options.profile !== undefined) args.push('-f', path.join(chartDir, 'ci', `${options.profile}-values.yaml`));
    if (options.values !== undefined) {
      writeFileSync(path.join(dir, 'values.yaml'), stringify(options.values));
      args.push('-f', path.join(dir, 'values.yaml'));
    }
    // Asynchronous: the stand-in answers on this process's event loop while helm runs.
    const child = spawn(tool('HELM'), args, { env: { ...process.env, HELM_CACHE_HOME: dir, HELM_CONFIG_HOME: dir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const status = await new Promise<number>((resolve) => {
      child.on('close', (code) => {
        resolve(code ?? -1);
      });
    });
    return { status, stdout, stderr };
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The release's namespace as the cluster has it. */
export const namespace = (labels: Record<string, string> = {}): ClusterObject => ({
  kind: 'Namespace',
  metadata: { name: 'cruddur', labels: { 'kubernetes.io/metadata.name': 'cruddur', ...labels } },
});

/** A Secret in the release's namespace holding the given keys (values base64-encoded as the API returns them). */
export const secret = (name: string, keys: Record<string, string>): ClusterObject => ({
  kind: 'Secret',
  metadata: { name, namespace: 'cruddur' },
  data: Object.fromEntries(Object.entries(keys).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
});
