import { expect } from 'chai';

import { find, helmTemplate, type K8sObject, podSpec, render } from './render';

/** A daemon on every node, always: every app pod sends its segments to the daemon on its own node. */
interface Toleration {
  key?: string;
  operator?: string;
  effect?: string;
}
type Values = Record<string, unknown>;
const daemonSet = (values: Values = {}) => find(render({ values }), 'DaemonSet');
const rollingUpdate = (values: Values = {}) =>
  (daemonSet(values).spec as { updateStrategy: { rollingUpdate: { maxSurge?: number; maxUnavailable?: number } } }).updateStrategy.rollingUpdate;
const podOf = (object: K8sObject) => podSpec(object) as ReturnType<typeof podSpec> & { priorityClassName?: string; tolerations?: Toleration[] };

describe('the X-Ray daemon on every node', () => {
  it('starts each node\'s new daemon before it stops the old one when the app reaches it through the node-local Service', () => {
    expect(rollingUpdate()).to.deep.equal({ maxSurge: 1, maxUnavailable: 0 });
  });

  it('rolls one node at a time without a surge in hostPort mode, where two daemons cannot bind one node port', () => {
    expect(rollingUpdate({ xray: { addressMode: 'hostPort' } })).to.deep.equal({ maxSurge: 0, maxUnavailable: 1 });
  });

  it('refuses a surge in hostPort mode, naming why', () => {
    const result = helmTemplate({ values: { xray: { addressMode: 'hostPort', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } } } });
    expect(result.status).to.not.equal(0);
    expect(result.stderr).to.include('cannot bind one node');
  });

  it('runs above the app pods\' priority through a PriorityClass of its own, so a full node preempts an app pod, never the daemon', () => {
    const objects = render();
    const name = podOf(find(objects, 'DaemonSet')).priorityClassName;
    const priorityClass = find(objects, 'PriorityClass', name) as K8sObject & { value: number; globalDefault: boolean };
    expect(priorityClass.value).to.be.above(0);
    expect(priorityClass.globalDefault).to.equal(false);
    expect(podOf(find(objects, 'Deployment')).priorityClassName).to.equal(undefined);
  });

  it('runs at an existing PriorityClass named in xray.priorityClassName instead, rendering none', () => {
    const objects = render({ values: { xray: { priorityClassName: 'node-agents' } } });
    expect(podOf(find(objects, 'DaemonSet')).priorityClassName).to.equal('node-agents');
    expect(objects.some((o) => o.kind === 'PriorityClass')).to.equal(false);
  });

  it('names its PriorityClass after the namespace too, so releases of one name in two namespaces do not collide', () => {
    const a = helmTemplate({ extraArgs: ['--show-only', 'templates/xray-priorityclass.yaml'] }).stdout;
    const b = helmTemplate({ extraArgs: ['--show-only', 'templates/xray-priorityclass.yaml', '--namespace', 'other'] }).stdout;
    expect(a).to.match(/name: \S+/);
    expect(/name: (\S+)/.exec(a)?.[1]).to.not.equal(/name: (\S+)/.exec(b)?.[1]);
  });

  it('tolerates every taint the app pods tolerate, and its own extra ones', () => {
    const app = { key: 'dedicated', operator: 'Equal', value: 'cruddur', effect: 'NoSchedule' };
    const own = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' };
    const tolerations = podOf(daemonSet({ tolerations: [app], xray: { tolerations: [own] } })).tolerations;
    expect(tolerations).to.deep.include(app);
    expect(tolerations).to.deep.include(own);
  });

  it('keeps receiving for a while after it is told to stop, so kube-proxy takes it out of the node-local Service first', () => {
    const preStop = (kubeVersion?: string, values: Values = {}) =>
      (podSpec(find(render({ values, kubeVersion }), 'DaemonSet')).containers[0] as { lifecycle?: { preStop?: { sleep?: { seconds: number } } } }).lifecycle?.preStop;
    expect(preStop()?.sleep?.seconds).to.be.above(0);
    expect(preStop('1.29.0'), 'no sleep action before Kubernetes 1.30').to.equal(undefined);
    expect(preStop(undefined, { xray: { preStopSleepSeconds: 0 } })).to.equal(undefined);
  });
});

