import { expect } from 'chai';
import { parseXRayHeader } from '../../src/telemetry/xray-header';

describe('parsing X-Amzn-Trace-Id', () => {
  it('reads Root, Parent and Sampled', () => {
    expect(parseXRayHeader('Root=1-5759E988-BD862E3FE1BE46A994272793;Parent=53995C3F42CD8AD8;Sampled=1')).to.deep.equal({
      root: '1-5759e988-bd862e3fe1be46a994272793',
      parent: '53995c3f42cd8ad8',
      sampled: '1',
    });
  });

  it('reads Sampled=? and an ALB header with Self and no Parent', () => {
    expect(parseXRayHeader('Self=1-67891234-12456789abcdef012345678;Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=?')).to.deep.equal({
      root: '1-5759e988-bd862e3fe1be46a994272793',
      sampled: '?',
    });
  });

  it('drops every part that is malformed, and whole headers that are too long', () => {
    expect(parseXRayHeader('Root=1-zz;Parent=123;Sampled=yes')).to.deep.equal({});
    expect(parseXRayHeader(`Root=1-5759e988-bd862e3fe1be46a994272793;${'x'.repeat(300)}`)).to.deep.equal({});
    expect(parseXRayHeader(undefined)).to.deep.equal({});
    expect(parseXRayHeader(';;=;==')).to.deep.equal({});
  });
});
