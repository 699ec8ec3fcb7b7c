import { expect } from 'chai';

import { helmTemplate } from './render';

describe('values.schema.json', () => {
  it('rejects a wrong type and names the key and the expected type', () => {
    const result = helmTemplate({ extraArgs: ['--set-string', 'replicaCount=two'] });
    expect(result.status).to.not.equal(0);
    expect(result.stderr).to.include("at '/replicaCount': got string, want integer");
  });

  it('rejects an unknown key, also a nested one, and names it', () => {
    const top = helmTemplate({ values: { replicas: 3 } });
    expect(top.status).to.not.equal(0);
    expect(top.stderr).to.include("additional properties 'replicas' not allowed");
    const nested = helmTemplate({ values: { collector: { honeycomb: { regoin: 'eu' } } } });
    expect(nested.stderr).to.include("at '/collector/honeycomb': additional properties 'regoin' not allowed");
  });

  it('rejects a value outside its allowed set', () => {
    const result = helmTemplate({ values: { config: { logFormat: 'xml' } } });
    expect(result.status).to.not.equal(0);
    expect(result.stderr).to.include('/config/logFormat');
  });

  it('takes only an http(s) URL as collector.honeycomb.endpoint', () => {
    const result = helmTemplate({ values: { collector: { honeycomb: { endpoint: 'api.honeycomb.io:443' } } } });
    expect(result.status).to.not.equal(0);
    expect(result.stderr).to.include('/collector/honeycomb/endpoint');
    expect(helmTemplate({ values: { collector: { honeycomb: { endpoint: 'https://refinery.example.com' } } } }).status).to.equal(0);
  });

  it('takes only a sha256 digest as xray.image.digest', () => {
    const result = helmTemplate({ values: { xray: { image: { digest: 'latest' } } } });
    expect(result.status).to.not.equal(0);
    expect(result.stderr).to.include('/xray/image/digest');
  });
});
