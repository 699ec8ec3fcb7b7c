import { expect } from 'chai';
import { PRODUCTION_NODE_OPTIONS, PRODUCTION_SAMPLING } from '../../bench/production';
import { find, render } from './render';

describe('the benchmark measures the service as the chart deploys it', () => {
  it('with the heap caps of the chart', () => {
    const data = find(render(), 'ConfigMap', 'cruddur-backend').data ?? {};
    expect(data.NODE_OPTIONS).to.equal(PRODUCTION_NODE_OPTIONS);
  });

  it("with the eks profile's sampling as variant (d)", () => {
    const data = find(render({ profile: 'eks' }), 'ConfigMap', 'cruddur-backend').data ?? {};
    expect(data).to.include(PRODUCTION_SAMPLING);
    expect(data, 'no head sampler beside the decision at request end').not.to.have.any.keys('OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG');
  });
});
