import { expect } from 'chai';

import { type HelmResult, helmTemplate } from './render';

/** helm template failed, and its message says `what`. */
function expectRefused(result: HelmResult, what: string): void {
  expect(result.status, `helm template exit status; stderr: ${result.stderr}`).to.not.equal(0);
  expect(result.stderr).to.include(what);
}

describe('values.schema.json', () => {
  it('rejects a wrong type and names the key and the expected type', () => {
    expectRefused(helmTemplate({ extraArgs: ['--set-string', 'replicaCount=two'] }), "at '/replicaCount': got string, want integer");
  });

  it('rejects an unknown key, also a nested one, and names it', () => {
    expectRefused(helmTemplate({ values: { replicas: 3 } }), "additional properties 'replicas' not allowed");
    expectRefused(helmTemplate({ values: { collector: { honeycomb: { regoin: 'eu' } } } }), "at '/collector/honeycomb': additional properties 'regoin' not allowed");
  });

  it('rejects a value outside its allowed set', () => {
    expectRefused(helmTemplate({ values: { config: { logFormat: 'xml' } } }), '/config/logFormat');
  });

  it('takes only an http(s) URL as collector.honeycomb.endpoint', () => {
    expectRefused(helmTemplate({ values: { collector: { honeycomb: { endpoint: 'api.honeycomb.io:443' } } } }), '/collector/honeycomb/endpoint');
    const accepted = helmTemplate({ values: { collector: { honeycomb: { endpoint: 'https://refinery.example.com' } } } });
    expect(accepted.status, accepted.stderr).to.equal(0);
    expect(accepted.stderr).to.equal('');
  });

  it('takes only a sha256 digest as xray.image.digest', () => {
    expectRefused(helmTemplate({ values: { xray: { image: { digest: 'latest' } } } }), '/xray/image/digest');
  });
});
