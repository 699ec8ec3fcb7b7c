import { expect } from 'chai';
import { ROOT_CONTEXT, defaultTextMapGetter, trace } from '@opentelemetry/api';
import { IncomingRootIdGenerator, toXRayTraceId, XRayRootPropagator } from '../../src/telemetry/trace-ids';

describe('trace ids', () => {
  it('writes an OpenTelemetry trace id in the X-Ray form', () => {
    expect(toXRayTraceId('5759e988bd862e3fe1be46a994272793')).to.equal('1-5759e988-bd862e3fe1be46a994272793');
  });

  it('generates X-Ray-compatible ids: epoch seconds first', () => {
    const id = new IncomingRootIdGenerator().generateTraceId();
    expect(id).to.match(/^[0-9a-f]{32}$/);
    expect(Math.abs(parseInt(id.slice(0, 8), 16) - Date.now() / 1000)).to.be.below(5);
  });

  it('hands an ALB Root-only trace id to the next root span of the same turn, and only that one', () => {
    const generator = new IncomingRootIdGenerator();
    new XRayRootPropagator().extract(ROOT_CONTEXT, { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793' }, defaultTextMapGetter);
    expect(generator.generateTraceId()).to.equal('5759e988bd862e3fe1be46a994272793');
    expect(generator.generateTraceId()).to.not.equal('5759e988bd862e3fe1be46a994272793');
  });

  it('forgets an unused Root at the end of the turn', async () => {
    new XRayRootPropagator().extract(ROOT_CONTEXT, { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272794' }, defaultTextMapGetter);
    await new Promise((resolve) => setImmediate(resolve));
    expect(new IncomingRootIdGenerator().generateTraceId()).to.not.equal('5759e988bd862e3fe1be46a994272794');
  });

  it('leaves a context that already has a parent alone', () => {
    const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, isRemote: true });
    new XRayRootPropagator().extract(parent, { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272795' }, defaultTextMapGetter);
    expect(new IncomingRootIdGenerator().generateTraceId()).to.not.equal('5759e988bd862e3fe1be46a994272795');
  });

  it('ignores malformed or oversized Root values', () => {
    for (const header of ['Root=1-xyz', `Root=1-5759e988-${'f'.repeat(25)}`, `Root=1-00000000-${'0'.repeat(24)}`, `${'x'.repeat(300)};Root=1-5759e988-bd862e3fe1be46a994272796`]) {
      new XRayRootPropagator().extract(ROOT_CONTEXT, { 'x-amzn-trace-id': header }, defaultTextMapGetter);
      expect(new IncomingRootIdGenerator().generateTraceId(), header.slice(0, 40)).to.not.match(/^(5759e988bd862e3fe1be46a99427279|0{32})/);
    }
  });
});
