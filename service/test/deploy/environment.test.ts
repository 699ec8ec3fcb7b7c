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
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '1.0',
      OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process,serviceinstance',
      XRAY_ENABLED: 'true',
      XRAY_CENTRALIZED_SAMPLING: 'false',
      AWS_XRAY_TRACING_NAME: 'cruddur-backend',
      CLOUDWATCH_LOG_GROUP: 'cruddur',
      AWS_REGION: 'us-east-1',
    });
    expect(data).to.have.keys([
      'PORT', 'LOG_LEVEL', 'LOG_FORMAT', 'BODY_LIMIT', 'DRAIN_TIMEOUT_MS', 'SHUTDOWN_TIMEOUT_MS', 'KEEP_ALIVE_TIMEOUT_MS', 'NODE_OPTIONS',
      'DEPLOYMENT_ENVIRONMENT', 'OTEL_SERVICE_NAME', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_TRACES_SAMPLER',
      'OTEL_TRACES_SAMPLER_ARG', 'OTEL_NODE_RESOURCE_DETECTORS', 'XRAY_ENABLED', 'XRAY_CENTRALIZED_SAMPLING',
      'AWS_XRAY_TRACING_NAME', 'CLOUDWATCH_LOG_GROUP', 'AWS_REGION',
    ]);
    const app = container(podSpec(find(objects, 'Deployment')), 'app');
    expect(app.envFrom?.[0]?.configMapRef?.name).to.equal('cruddur-backend');
  });

  it('passes the pod, namespace and node names from the downward API', () => {
    const app = container(podSpec(find(render(), 'Deployment')), 'app');
    expect(env(app, 'K8S_POD_NAME')?.valueFrom?.fieldRef?.fieldPath).to.equal('metadata.name');
    expect(env(app, 'K8S_NAMESPACE_NAME')?.valueFrom?.fieldRef?.fieldPath).to.equal('metadata.namespace');
    expect(env(app, 'K8S_NODE_NAME')?.valueFrom?.fieldRef?.fieldPath).to.equal('spec.nodeName');
  });

  it('turns on centralized sampling and production sampling only on the eks profile', () => {
    const eks = find(render({ profile: 'eks' }), 'ConfigMap', 'cruddur-backend').data ?? {};
    expect(eks.XRAY_CENTRALIZED_SAMPLING).to.equal('true');
    expect(eks.DEPLOYMENT_ENVIRONMENT).to.equal('production');
    expect([eks.OTEL_TRACES_SAMPLER, eks.OTEL_TRACES_SAMPLER_ARG]).to.deep.equal(['parentbased_traceidratio', '0.1']);
    const kind = find(render({ profile: 'kind' }), 'ConfigMap', 'cruddur-backend').data ?? {};
    expect(kind.XRAY_CENTRALIZED_SAMPLING).to.equal('false');
    expect(kind.CLOUDWATCH_LOG_GROUP).to.equal('');
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
