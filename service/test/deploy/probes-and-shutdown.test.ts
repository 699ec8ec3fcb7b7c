import { expect } from 'chai';

import { container, find, helmTemplate, podSpec, render } from './render';

const app = (options: Parameters<typeof render>[0] = {}) => container(podSpec(find(render(options), 'Deployment')), 'app');

describe('probes', () => {
  it('check liveness on /health and readiness on /ready at the service port 4567', () => {
    const c = app();
    expect(c.ports?.find((p) => p.name === 'http')?.containerPort).to.equal(4567);
    expect(c.livenessProbe?.httpGet).to.deep.equal({ path: '/health', port: 'http' });
    expect(c.readinessProbe?.httpGet).to.deep.equal({ path: '/ready', port: 'http' });
    expect(c.startupProbe?.httpGet?.path).to.equal('/health');
  });
});

describe('graceful shutdown', () => {
  it('derives the grace period from preStop + SHUTDOWN_TIMEOUT_MS + margin (5 + 25 + 5 = 35 s by default)', () => {
    expect(podSpec(find(render(), 'Deployment')).terminationGracePeriodSeconds).to.equal(35);
    const objects = render({ profile: 'eks' });
    expect(podSpec(find(objects, 'Deployment')).terminationGracePeriodSeconds).to.equal(15 + 25 + 5);
    expect(find(objects, 'ConfigMap', 'cruddur-backend').data).to.include({ DRAIN_TIMEOUT_MS: '10000', SHUTDOWN_TIMEOUT_MS: '25000' });
  });

  it('follows a longer shutdown deadline and rounds it up to whole seconds', () => {
    const spec = podSpec(find(render({ values: { shutdown: { shutdownTimeoutMs: 40500 } } }), 'Deployment'));
    expect(spec.terminationGracePeriodSeconds).to.equal(5 + 41 + 5);
  });

  it('refuses an explicit grace period too short for the shutdown, with a sentence saying why', () => {
    const result = helmTemplate({ values: { shutdown: { terminationGracePeriodSeconds: 20 } } });
    expect(result.status).to.not.equal(0);
    expect(result.stderr).to.include('shorter than preStopSleepSeconds + shutdownTimeoutMs + marginSeconds (35 s)');
    expect(podSpec(find(render({ values: { shutdown: { terminationGracePeriodSeconds: 60 } } }), 'Deployment')).terminationGracePeriodSeconds).to.equal(60);
  });

  it('refuses a drain timeout that leaves no time to flush telemetry', () => {
    const result = helmTemplate({ values: { shutdown: { drainTimeoutMs: 25000 } } });
    expect(result.status).to.not.equal(0);
    expect(result.stderr).to.include('shutdown.drainTimeoutMs (25000) must be less than shutdown.shutdownTimeoutMs (25000)');
  });

  it('delays SIGTERM with the native sleep action on Kubernetes 1.30+, and with sleep from the image before', () => {
    expect(app({ kubeVersion: '1.30.0' }).lifecycle?.preStop).to.deep.equal({ sleep: { seconds: 5 } });
    expect(app({ kubeVersion: '1.29.0' }).lifecycle?.preStop).to.deep.equal({ exec: { command: ['sleep', '5'] } });
    expect(app({ kubeVersion: '1.37.0', values: { shutdown: { preStopMode: 'exec' } } }).lifecycle?.preStop?.exec).to.not.equal(undefined);
  });

  it('keeps a plain collector sidecar up through the app shutdown when the cluster has the sleep action', () => {
    const sidecar = container(podSpec(find(render({ values: { collector: { nativeSidecar: false } } }), 'Deployment')), 'otel-collector');
    expect(sidecar.lifecycle?.preStop?.sleep?.seconds).to.equal(5 + 25);
  });
});
