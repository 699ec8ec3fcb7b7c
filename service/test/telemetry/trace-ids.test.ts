import { expect } from 'chai';
import { ROOT_CONTEXT, defaultTextMapGetter, trace } from '@opentelemetry/api';
import { IncomingRootIdGenerator, toXRayTraceId, XRayRootPropagator } from '../../src/telemetry/trace-ids';

/** Epoch seconds now, as X-Ray ids carry them. */
const epochSeconds = () => Math.floor(Date.now() / 1000);

/**
 * An id the generator made itself, created between `from` and `to` (epoch seconds): 32 lowercase hex digits, the first 8
 * the creation time, the other 24 random (never all zero).
 */
function expectFresh(id: string, from: number, to: number, what = id): void {
  expect(id, what).to.match(/^[0-9a-f]{32}$/);
  expect(parseInt(id.slice(0, 8), 16), `${what}: epoch seconds`).to.be.within(from, to);
  expect(id.slice(8), `${what}: random part`).not.to.match(/^0+$/);
}

/** What the service does with a request's X-Amzn-Trace-Id, then the id its root span gets. */
function rootSpanIdAfter(header: string, ctx = ROOT_CONTEXT): string {
  new XRayRootPropagator().extract(ctx, { 'x-amzn-trace-id': header }, defaultTextMapGetter);
  return new IncomingRootIdGenerator().generateTraceId();
}

describe('trace ids', () => {
  it('writes an OpenTelemetry trace id in the X-Ray form: version 1, epoch seconds, 24 hex digits', () => {
    const id = '5759e988bd862e3fe1be46a994272793';
    expect(toXRayTraceId(id)).to.equal('1-5759e988-bd862e3fe1be46a994272793');
  });

  it('reads back an id it wrote in the X-Ray form as the same OpenTelemetry id', () => {
    const from = epochSeconds();
    const id = new IncomingRootIdGenerator().generateTraceId();
    expect(rootSpanIdAfter(`Root=${toXRayTraceId(id)}`)).to.equal(id);
    expectFresh(id, from, epochSeconds());
  });

  it('generates X-Ray-compatible ids: the creation time in epoch seconds, then 24 random hex digits', () => {
    const from = epochSeconds();
    const generator = new IncomingRootIdGenerator();
    const ids = [generator.generateTraceId(), generator.generateTraceId()];
    const to = epochSeconds();
    for (const id of ids) expectFresh(id, from, to);
    expect(ids[0]).not.to.equal(ids[1]);
  });

  it('hands an ALB Root-only trace id to the next root span of the same turn, and only that one', () => {
    const from = epochSeconds();
    const generator = new IncomingRootIdGenerator();
    new XRayRootPropagator().extract(ROOT_CONTEXT, { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793' }, defaultTextMapGetter);
    expect(generator.generateTraceId()).to.equal('5759e988bd862e3fe1be46a994272793');
    expectFresh(generator.generateTraceId(), from, epochSeconds(), 'the next root span');
  });

  it('reads an ALB Root in upper case as the same id in lower case', () => {
    expect(rootSpanIdAfter('Root=1-5759E988-BD862E3FE1BE46A994272793')).to.equal('5759e988bd862e3fe1be46a994272793');
  });

  it('forgets an unused Root at the end of the turn', async () => {
    const from = epochSeconds();
    new XRayRootPropagator().extract(ROOT_CONTEXT, { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272794' }, defaultTextMapGetter);
    await new Promise((resolve) => setImmediate(resolve));
    expectFresh(new IncomingRootIdGenerator().generateTraceId(), from, epochSeconds());
  });

  it('leaves a context that already has a parent alone', () => {
    const from = epochSeconds();
    const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, isRemote: true });
    expectFresh(rootSpanIdAfter('Root=1-5759e988-bd862e3fe1be46a994272795', parent), from, epochSeconds());
  });

  it('ignores malformed or oversized Root values: the root span gets an id of its own', () => {
    const from = epochSeconds();
    for (const header of ['Root=1-xyz', `Root=1-5759e988-${'f'.repeat(25)}`, `Root=1-00000000-${'0'.repeat(24)}`, `${'x'.repeat(300)};Root=1-5759e988-bd862e3fe1be46a994272796`]) {
      expectFresh(rootSpanIdAfter(header), from, epochSeconds(), header.slice(0, 40));
    }
  });
});
