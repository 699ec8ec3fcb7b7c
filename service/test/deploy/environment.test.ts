import { expect } from 'chai';

import { find, render } from './render';

describe('the service environment', () => {
  it("renders the previous release's head sampling, and only its variables, when sampling.mode is head", () => {
    const data = find(render({ values: { telemetry: { sampling: { mode: 'head' } } } }), 'ConfigMap', 'cruddur-backend').data ?? {};
    expect(data).to.include.keys('OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG', 'XRAY_CENTRALIZED_SAMPLING');
    expect(data).not.to.have.any.keys('TRACES_KEEP_SHARE', 'TRACES_KEEP_SLOWER_THAN_MS', 'TRACES_CALLER_KEEPS_PER_SECOND');
  });

  it('gives error reports Honeycomb trace links when the team is set, and refuses a team without an environment', () => {
    const links = { honeycombTeam: 'cruddur', honeycombEnvironment: 'production' };
    const data = find(render({ values: { telemetry: { links } } }), 'ConfigMap', 'cruddur-backend').data ?? {};
    expect(data).to.include({ HONEYCOMB_TEAM: 'cruddur', HONEYCOMB_ENVIRONMENT: 'production', HONEYCOMB_DATASET: 'cruddur-backend', HONEYCOMB_REGION: 'us' });
    expect(() => render({ values: { telemetry: { links: { honeycombTeam: 'cruddur' } } } })).to.throw(/telemetry.links.honeycombEnvironment is required/);
  });

  it('labels every object with the Kubernetes recommended labels', () => {
    for (const object of render({ profile: 'eks' })) {
      expect(object.metadata.labels, `${object.kind} ${object.metadata.name}`).to.include.keys(
        'app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/version',
        'app.kubernetes.io/component', 'app.kubernetes.io/managed-by', 'helm.sh/chart',
      );
    }
  });
});
