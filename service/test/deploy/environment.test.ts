import { expect } from 'chai';

import { container, env, find, podSpec, render } from './render';

describe('the service environment', () => {
  it('carries the whole configuration contract in the ConfigMap the app reads', () => {
    const objects = render();
    const data = find(objects, 'ConfigMap', 'cruddur-backend').data ?? {};
    expect(data).to.include({
      PORT: '4567',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      BODY_LIMIT: '100kb',
      KEEP_ALIVE_TIMEOUT_MS: '65000',
      NODE_OPTIONS: '--max-old-space-size=256 --max-semi-space-size=8',
      OTEL_SERVICE_NAME: 'cruddur-backend',
      TRACES_SAMPLING: 'request-end',
      TRACES_KEEP_SHARE: '1',
      TRACES_KEEP_SLOWER_THAN_MS: '1000',
      TRACES_CALLER_KEEPS_PER_SECOND: '1',
      OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process,serviceinstance',
      XRAY_ENABLED: 'true',
      AWS_XRAY_TRACING_NAME: 'cruddur-backend',
      CLOUDWATCH_LOG_GROUP: '',
      AWS_REGION: 'us-east-1',
    });
    expect(data).to.have.keys([
      'PORT', 'LOG_LEVEL', 'LOG_FORMAT', 'BODY_LIMIT', 'DRAIN_TIMEOUT_MS', 'SHUTDOWN_TIMEOUT_MS', 'KEEP_ALIVE_TIMEOUT_MS', 'NODE_OPTIONS',
      'DEPLOYMENT_ENVIRONMENT', 'OTEL_SERVICE_NAME', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'TRACES_SAMPLING', 'TRACES_KEEP_SHARE',
      'TRACES_KEEP_SLOWER_THAN_MS', 'TRACES_CALLER_KEEPS_PER_SECOND', 'OTEL_NODE_RESOURCE_DETECTORS', 'XRAY_ENABLED',
      'AWS_XRAY_TRACING_NAME', 'CLOUDWATCH_LOG_GROUP', 'AWS_REGION',
    ]);
    const app = container(podSpec(find(objects, 'Deployment')), 'app');
    expect(app.envFrom?.[0]?.configMapRef?.name).to.equal('cruddur-backend');
  });

  it('ships logs to CloudWatch only on the eks profile, the one with a credential source (IRSA)', () => {
    const logGroup = (profile: 'default' | 'kind' | 'eks') => find(render({ profile }), 'ConfigMap', 'cruddur-backend').data?.CLOUDWATCH_LOG_GROUP;
    expect(logGroup('default')).to.equal('');
    expect(logGroup('kind')).to.equal('');
    expect(logGroup('eks')).to.equal('cruddur');
  });

  it('passes the pod, namespace and node names from the downward API', () => {
    const app = container(podSpec(find(render(), 'Deployment')), 'app');
    expect(env(app, 'K8S_POD_NAME')?.valueFrom?.fieldRef?.fieldPath).to.equal('metadata.name');
    expect(env(app, 'K8S_NAMESPACE_NAME')?.valueFrom?.fieldRef?.fieldPath).to.equal('metadata.namespace');
    expect(env(app, 'K8S_NODE_NAME')?.valueFrom?.fieldRef?.fieldPath).to.equal('spec.nodeName');
  });

  it('turns on AWS resource detectors and production sampling only on the eks profile', () => {
    const eks = find(render({ profile: 'eks' }), 'ConfigMap', 'cruddur-backend').data ?? {};
    expect(eks.OTEL_NODE_RESOURCE_DETECTORS?.split(',')).to.include('aws');
    expect(eks.DEPLOYMENT_ENVIRONMENT).to.equal('production');
    expect(Number(eks.TRACES_KEEP_SHARE)).to.be.below(1);
    const kind = find(render({ profile: 'kind' }), 'ConfigMap', 'cruddur-backend').data ?? {};
    expect(kind.OTEL_NODE_RESOURCE_DETECTORS?.split(',')).not.to.include('aws');
    expect(kind.TRACES_KEEP_SHARE).to.equal('1');
    expect(kind.CLOUDWATCH_LOG_GROUP).to.equal('');
  });

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
