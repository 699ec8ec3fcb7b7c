import { expect } from 'chai';

import { type Container, find, podSpec, render } from './render';

const SENTINELS = {
  ROLLBAR_ACCESS_TOKEN: 'rollbar-sentinel-6b1f',
  HONEYCOMB_API_KEY: 'honeycomb-sentinel-93ad',
  AWS_ACCESS_KEY_ID: 'AKIASENTINEL0000',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-sentinel-55e2',
};

function allContainers(objects: ReturnType<typeof render>): Container[] {
  return objects
    .filter((o) => ['Deployment', 'DaemonSet', 'Pod'].includes(o.kind))
    .flatMap((o) => [...(podSpec(o).initContainers ?? []), ...podSpec(o).containers]);
}

describe('secret handling', () => {
  it('references every secret key but the required Honeycomb key with optional: true, so a missing key turns its feature off', () => {
    const objects = render({ profile: 'kind', values: { collector: { honeycomb: { enabled: true } } } });
    const refs = allContainers(objects).flatMap((c) => (c.env ?? []).filter((e) => e.valueFrom?.secretKeyRef));
    expect(refs.map((e) => e.name)).to.include.members(Object.keys(SENTINELS));
    // HONEYCOMB_API_KEY is required while the collector exports to Honeycomb (honeycomb-key.test.ts).
    for (const ref of refs.filter((e) => e.name !== 'HONEYCOMB_API_KEY')) {
      expect(ref.valueFrom?.secretKeyRef, ref.name).to.deep.equal({ name: 'cruddur-backend-secrets', key: ref.name, optional: true });
    }
  });

  it('never renders a secret value into a ConfigMap, an env literal or an annotation', () => {
    const objects = render({ profile: 'kind', values: { secrets: { existingSecret: '', values: SENTINELS } } });
    const outsideSecrets = JSON.stringify(objects.filter((o) => o.kind !== 'Secret'));
    for (const value of Object.values(SENTINELS)) expect(outsideSecrets).not.to.include(value);
    const literals = allContainers(objects).flatMap((c) => (c.env ?? []).filter((e) => e.value !== undefined).map((e) => e.name));
    expect(literals.filter((name) => name in SENTINELS)).to.be.empty;
  });

  it('creates its own Secret only from non-empty values and without existingSecret', () => {
    const created = find(render({ values: { secrets: { values: { ROLLBAR_ACCESS_TOKEN: SENTINELS.ROLLBAR_ACCESS_TOKEN } } } }), 'Secret');
    expect(created.data).to.deep.equal({ ROLLBAR_ACCESS_TOKEN: Buffer.from(SENTINELS.ROLLBAR_ACCESS_TOKEN).toString('base64') });
    expect(render().some((o) => o.kind === 'Secret')).to.equal(false);
    const withExisting = render({ values: { secrets: { existingSecret: 'mine', values: SENTINELS } } });
    expect(withExisting.some((o) => o.kind === 'Secret')).to.equal(false);
  });

  it('reads AWS keys from the Secret only when aws.credentialsFromSecret is on (kind), never on eks', () => {
    const names = (profile: 'kind' | 'eks') =>
      allContainers(render({ profile })).flatMap((c) => (c.env ?? []).map((e) => e.name));
    expect(names('kind')).to.include('AWS_SECRET_ACCESS_KEY');
    expect(names('eks')).not.to.include('AWS_SECRET_ACCESS_KEY');
    expect(names('eks')).not.to.include('AWS_ACCESS_KEY_ID');
    const app = podSpec(find(render({ profile: 'eks' }), 'Deployment')).containers[0];
    expect(app?.env?.find((e) => e.name === 'ROLLBAR_ACCESS_TOKEN')?.valueFrom?.secretKeyRef?.optional).to.equal(true);
  });
});
