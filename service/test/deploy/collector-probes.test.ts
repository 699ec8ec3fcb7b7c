import { expect } from 'chai';

import { container, find, podSpec, render } from './render';

/** Telemetry never takes serving down: the collector sidecar's health decides when the app starts, never whether it serves. */
const collector = (kubeVersion: string) => container(podSpec(find(render({ kubeVersion }), 'Deployment')), 'otel-collector');

describe('the collector sidecar probes', () => {
  it('have no readiness probe, native sidecar or plain, so a collector restart never takes the pod out of its Service', () => {
    expect(collector('1.33.0').readinessProbe).to.equal(undefined);
    expect(collector('1.28.0').readinessProbe).to.equal(undefined);
  });

  it('hold the app back until health_check answers, through the startup probe', () => {
    const sidecar = collector('1.33.0');
    expect(sidecar.restartPolicy).to.equal('Always');
    expect(sidecar.startupProbe?.httpGet?.port).to.equal('otel-health');
  });

  it('restart a collector only when its health port stops accepting, not while it drains', () => {
    expect(collector('1.33.0').livenessProbe?.tcpSocket?.port).to.equal('otel-health');
  });
});
