import { envDetector } from '@opentelemetry/resources';
import { expect } from 'chai';
import path from 'node:path';

import { find, render, repoRoot } from './render';

/**
 * On EKS the resource says which cloud, region and cluster served a span without the aws detectors, which ask the
 * instance metadata endpoint: the chart's NetworkPolicy allows no egress to it, and the EKS detector also needs a
 * mounted ServiceAccount token, which the app pods do not have.
 */
const configOf = (options: Parameters<typeof render>[0]) => find(render(options), 'ConfigMap', 'cruddur-backend').data ?? {};
const eks = () => configOf({ profile: 'eks', extraArgs: ['-f', path.join(repoRoot, 'k8s/values-eks.yaml')] });

/** What the service's env detector makes of OTEL_RESOURCE_ATTRIBUTES as the chart renders it. */
async function detected(attributes: string | undefined): Promise<Record<string, unknown>> {
  const saved = process.env.OTEL_RESOURCE_ATTRIBUTES;
  process.env.OTEL_RESOURCE_ATTRIBUTES = attributes ?? '';
  try {
    const resource = envDetector.detect();
    const entries = await Promise.all(Object.entries(resource.attributes ?? {}).map(async ([key, value]) => [key, await value] as const));
    return Object.fromEntries(entries);
  } finally {
    if (saved === undefined) delete process.env.OTEL_RESOURCE_ATTRIBUTES;
    else process.env.OTEL_RESOURCE_ATTRIBUTES = saved;
  }
}

describe('the resource attributes on EKS', () => {
  it('run no resource detector that asks the instance metadata endpoint', () => {
    const detectors = eks().OTEL_NODE_RESOURCE_DETECTORS?.split(',') ?? [];
    expect(detectors.filter((name) => ['aws', 'ec2', 'eks', 'all'].includes(name) || name.startsWith('aws'))).to.deep.equal([]);
  });

  it("name the cloud, the platform and the region (aws.region) through the env detector", async () => {
    const values = { aws: { region: 'eu-west-1' } };
    const attributes = await detected(configOf({ profile: 'eks', values }).OTEL_RESOURCE_ATTRIBUTES);
    expect(attributes).to.include({ 'cloud.provider': 'aws', 'cloud.platform': 'aws_eks', 'cloud.region': 'eu-west-1' });
    expect(eks().OTEL_NODE_RESOURCE_DETECTORS?.split(',')).to.include('env');
  });

  it('name the cluster from telemetry.clusterName', async () => {
    expect(await detected(eks().OTEL_RESOURCE_ATTRIBUTES)).to.include({ 'k8s.cluster.name': 'cruddur' });
  });

  it('are left out off AWS, where the chart knows no cloud to name', () => {
    expect(configOf({ profile: 'kind' })).not.to.have.property('OTEL_RESOURCE_ATTRIBUTES');
  });

  it('refuse a cluster name that would need encoding in OTEL_RESOURCE_ATTRIBUTES', () => {
    expect(() => configOf({ values: { telemetry: { clusterName: 'a,b=c' } } })).to.throw(/\/telemetry\/clusterName/);
  });
});
