import { expect } from 'chai';
import { parse } from 'yaml';

import { container, env, find, type K8sObject, podSpec, render } from './render';

interface CollectorConfig {
  receivers: { otlp: { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } } };
  processors: Record<string, Record<string, unknown>>;
  exporters: Record<string, { endpoint?: string; headers?: Record<string, string>; verbosity?: string }>;
  extensions: { health_check: { endpoint: string } };
  service: { extensions: string[]; pipelines: Record<string, { processors: string[]; exporters: string[] }> };
}

function collectorConfig(objects: K8sObject[]): CollectorConfig {
  const text = find(objects, 'ConfigMap', 'cruddur-backend-otel-collector').data?.['config.yaml'];
  expect(text, 'config.yaml key').to.be.a('string');
  return parse(text ?? '') as CollectorConfig;
}

describe('the OpenTelemetry Collector sidecar', () => {
  it('runs as a native sidecar (init container with restartPolicy Always) on Kubernetes 1.29 and later', () => {
    const spec = podSpec(find(render({ kubeVersion: '1.29.0' }), 'Deployment'));
    const sidecar = spec.initContainers?.find((c) => c.name === 'otel-collector');
    expect(sidecar?.restartPolicy).to.equal('Always');
    expect(spec.containers.map((c) => c.name)).to.deep.equal(['app']);
  });

  it('falls back to a plain sidecar container on Kubernetes 1.28', () => {
    const spec = podSpec(find(render({ kubeVersion: '1.28.0' }), 'Deployment'));
    expect(spec.initContainers ?? []).to.be.empty;
    expect(spec.containers.map((c) => c.name)).to.deep.equal(['app', 'otel-collector']);
    expect(container(spec, 'otel-collector').restartPolicy).to.equal(undefined);
  });

  it('runs the image collector.image names: the project\'s own build, or one pinned by digest', () => {
    const image = (values: Record<string, unknown>) =>
      container(podSpec(find(render({ values: { collector: { image: values } } }), 'Deployment')), 'otel-collector').image;
    expect(image({ repository: 'cruddur-otelcol' })).to.equal('cruddur-otelcol:0.165.0');
    const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
    expect(image({ digest })).to.equal(`otel/opentelemetry-collector@${digest}`);
  });

  it('can be forced to a plain sidecar with collector.nativeSidecar=false', () => {
    const spec = podSpec(find(render({ values: { collector: { nativeSidecar: false } } }), 'Deployment'));
    expect(spec.containers.map((c) => c.name)).to.include('otel-collector');
  });

  it('receives OTLP on localhost only and the app exports to it', () => {
    const objects = render();
    const config = collectorConfig(objects);
    expect(config.receivers.otlp.protocols.grpc.endpoint).to.equal('localhost:4317');
    expect(config.receivers.otlp.protocols.http.endpoint).to.equal('localhost:4318');
    expect(find(objects, 'ConfigMap', 'cruddur-backend').data?.OTEL_EXPORTER_OTLP_ENDPOINT).to.equal('http://localhost:4318');
  });

  it('limits memory before batching in every pipeline', () => {
    const config = collectorConfig(render());
    expect(config.processors.memory_limiter).to.deep.equal({ check_interval: '5s', limit_percentage: 80, spike_limit_percentage: 25 });
    for (const pipeline of Object.values(config.service.pipelines)) {
      expect(pipeline.processors).to.deep.equal(['memory_limiter', 'batch']);
    }
  });

  it('prints spans with the debug exporter when Honeycomb is off (default and kind profiles)', () => {
    for (const profile of ['default', 'kind'] as const) {
      const config = collectorConfig(render({ profile }));
      expect(Object.keys(config.exporters), profile).to.deep.equal(['debug']);
      expect(config.service.pipelines.traces?.exporters).to.deep.equal(['debug']);
    }
  });

  it('exports to Honeycomb over OTLP/HTTPS with the key from the environment on the eks profile', () => {
    const objects = render({ profile: 'eks' });
    const config = collectorConfig(objects);
    expect(config.exporters['otlp_http/honeycomb']).to.deep.equal({
      endpoint: 'https://api.honeycomb.io',
      headers: { 'x-honeycomb-team': '${env:HONEYCOMB_API_KEY}' },
    });
    expect(config.exporters).not.to.have.property('debug');
    expect(config.service.pipelines.traces?.exporters).to.deep.equal(['otlp_http/honeycomb']);
    expect(config.service.pipelines.logs?.exporters).to.deep.equal(['otlp_http/honeycomb']);
    expect(config.service.pipelines.metrics?.exporters).to.deep.equal(['otlp_http/honeycomb-metrics']);
    expect(config.exporters['otlp_http/honeycomb-metrics']?.headers?.['x-honeycomb-dataset']).to.be.a('string');
    const key = env(container(podSpec(find(objects, 'Deployment')), 'otel-collector'), 'HONEYCOMB_API_KEY');
    expect(key?.valueFrom?.secretKeyRef).to.include({ key: 'HONEYCOMB_API_KEY' });
  });

  it('uses the EU endpoint when collector.honeycomb.region is eu', () => {
    const config = collectorConfig(render({ profile: 'eks', values: { collector: { honeycomb: { region: 'eu' } } } }));
    expect(config.exporters['otlp_http/honeycomb']?.endpoint).to.equal('https://api.eu1.honeycomb.io');
  });

  it('sends to collector.honeycomb.endpoint instead of the region when it is set (a Refinery, the e2e receiver)', () => {
    const endpoint = 'http://refinery.observability.svc:8080';
    const config = collectorConfig(render({ profile: 'eks', values: { collector: { honeycomb: { endpoint } } } }));
    expect(config.exporters['otlp_http/honeycomb']?.endpoint).to.equal(endpoint);
    expect(config.exporters['otlp_http/honeycomb-metrics']?.endpoint).to.equal(endpoint);
  });

  it('serves health_check on 0.0.0.0:13133 and waits for it at startup', () => {
    const objects = render();
    const config = collectorConfig(objects);
    expect(config.extensions.health_check.endpoint).to.equal('0.0.0.0:13133');
    expect(config.service.extensions).to.include('health_check');
    const sidecar = container(podSpec(find(objects, 'Deployment')), 'otel-collector');
    expect(sidecar.ports?.find((p) => p.name === 'otel-health')?.containerPort).to.equal(13133);
    expect(sidecar.startupProbe?.httpGet?.port).to.equal('otel-health');
  });

  it('sets GOMEMLIMIT to 80% of its memory limit', () => {
    const sidecar = (limit: string) =>
      container(podSpec(find(render({ values: { collector: { resources: { limits: { memory: limit } } } } }), 'Deployment')), 'otel-collector');
    expect(env(sidecar('128Mi'), 'GOMEMLIMIT')?.value).to.equal('102MiB');
    expect(env(sidecar('1Gi'), 'GOMEMLIMIT')?.value).to.equal('819MiB');
  });

  it('pins its image to a version', () => {
    const sidecar = container(podSpec(find(render(), 'Deployment')), 'otel-collector');
    expect(sidecar.image).to.match(/^otel\/opentelemetry-collector:\d+\.\d+\.\d+$/);
  });
});
