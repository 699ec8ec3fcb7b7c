import { expect } from 'chai';

import { find, podAnnotations, render } from './render';

const annotations = (values: Record<string, unknown> = {}) => podAnnotations(find(render({ values }), 'Deployment'));

describe('checksum annotations', () => {
  it('change when the service configuration changes, so the pods roll', () => {
    const before = annotations();
    const after = annotations({ config: { logLevel: 'debug' } });
    expect(before['checksum/config']).to.match(/^[0-9a-f]{64}$/);
    expect(after['checksum/config']).to.not.equal(before['checksum/config']);
    expect(after['checksum/collector-config']).to.equal(before['checksum/collector-config']);
  });

  it('change when the collector configuration changes', () => {
    const before = annotations();
    const after = annotations({ collector: { debug: { verbosity: 'detailed' } } });
    expect(after['checksum/collector-config']).to.not.equal(before['checksum/collector-config']);
  });

  it('change when a chart-created Secret changes', () => {
    const first = annotations({ secrets: { values: { ROLLBAR_ACCESS_TOKEN: 'one' } } });
    const second = annotations({ secrets: { values: { ROLLBAR_ACCESS_TOKEN: 'two' } } });
    expect(first['checksum/secret']).to.match(/^[0-9a-f]{64}$/);
    expect(second['checksum/secret']).to.not.equal(first['checksum/secret']);
  });

  it('stay the same when only the replica count changes', () => {
    expect(annotations({ replicaCount: 5 })).to.deep.equal(annotations());
  });

  it('roll the X-Ray daemon when its config changes', () => {
    const daemon = (region: string) => podAnnotations(find(render({ values: { aws: { region } } }), 'DaemonSet'))['checksum/config'];
    expect(daemon('us-east-1')).to.not.equal(daemon('eu-west-1'));
  });
});
