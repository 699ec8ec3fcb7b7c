import { expect } from 'chai';

import { installDryRun, namespace, secret } from './fake-kube-api';
import { container, env, find, helmTemplate, podSpec, render } from './render';

/** With Honeycomb export on, a missing ingest key fails the install instead of every export failing with 401. */
const honeycomb = { collector: { honeycomb: { enabled: true } } };
const existing = { ...honeycomb, secrets: { existingSecret: 'cruddur-backend-secrets' } };

describe('the Honeycomb ingest key', () => {
  it('fails the render, naming the Secret and the key, when the chart creates its Secret without it', () => {
    const result = helmTemplate({ values: { ...honeycomb, secrets: { values: { ROLLBAR_ACCESS_TOKEN: 'token' } } } });
    expect(result.status).to.not.equal(0);
    expect(result.stderr).to.include('HONEYCOMB_API_KEY in Secret cruddur-backend');
  });

  it('is referenced from an existing Secret as required, so a pod cannot start without it', () => {
    const collector = container(podSpec(find(render({ values: existing }), 'Deployment')), 'otel-collector');
    const ref = env(collector, 'HONEYCOMB_API_KEY')?.valueFrom?.secretKeyRef;
    expect(ref).to.include({ name: 'cruddur-backend-secrets', key: 'HONEYCOMB_API_KEY' });
    expect(ref?.optional).to.not.equal(true);
  });

  it('fails the install, naming the Secret and the key, when the existing Secret has no such key', async () => {
    const result = await installDryRun({ values: existing, cluster: [namespace(), secret('cruddur-backend-secrets', { ROLLBAR_ACCESS_TOKEN: 'token' })] });
    expect(result.status, result.stdout).to.not.equal(0);
    expect(result.stderr).to.include('HONEYCOMB_API_KEY in Secret cruddur-backend-secrets');
  });

  it('lets the install through when the existing Secret has the key', async () => {
    const result = await installDryRun({ values: existing, cluster: [namespace(), secret('cruddur-backend-secrets', { HONEYCOMB_API_KEY: 'key' })] });
    expect(result.status, result.stderr).to.equal(0);
  });

  it('is not required while Honeycomb export is off', () => {
    expect(helmTemplate({ values: { secrets: { values: { ROLLBAR_ACCESS_TOKEN: 'token' } } } }).status).to.equal(0);
  });
});
