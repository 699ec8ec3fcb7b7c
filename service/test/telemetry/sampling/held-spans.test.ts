import { expect } from 'chai';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { HeldSpansProcessor, type HeldSpansLimits, type HeldSpansLosses } from '../../../src/telemetry/sampling/held-spans';
import type { KeepDecision } from '../../../src/telemetry/sampling/keep-policy';

const KEEP_SHARE: KeepDecision = { keep: true, reason: 'share', sampleRate: 10 };
const KEEP_ERROR: KeepDecision = { keep: true, reason: 'error', sampleRate: 1 };
const DROP: KeepDecision = { keep: false };

/** A provider whose spans go through HeldSpansProcessor to an in-memory exporter, with a clock the test moves. */
function held(limits: Partial<HeldSpansLimits> = {}) {
  const exporter = new InMemorySpanExporter();
  const losses: HeldSpansLosses[] = [];
  const clock = { now: 0 };
  const processor = new HeldSpansProcessor(
    new SimpleSpanProcessor({ exporter }),
    { maxSpans: 100, maxBytes: 1024 * 1024, maxHoldMs: 60_000, ...limits },
    (lost) => losses.push(lost),
    () => clock.now,
  );
  const provider = new TracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [processor] });
  const tracer = provider.getTracer('test');
  /** A request: its server span with one child span, the child ended first, as traced() does. */
  const request = (attributes: Record<string, string> = {}) => {
    const server = tracer.startSpan('GET /api/activities/home', { kind: SpanKind.SERVER, attributes }, ROOT_CONTEXT);
    const child = tracer.startSpan('home-activities-mock-data', {}, trace.setSpan(ROOT_CONTEXT, server));
    child.end();
    return { traceId: server.spanContext().traceId, endServer: () => { server.end(); } };
  };
  const exported = (): ReadableSpan[] => exporter.getFinishedSpans();
  return { processor, request, exported, losses, clock, provider };
}

describe('spans held until their request is decided', () => {
  it('exports nothing of a request before both its decision and its server span have come', () => {
    const { processor, request, exported } = held();
    const { traceId, endServer } = request();
    processor.decide(traceId, KEEP_SHARE);
    expect(exported()).to.have.length(0);
    endServer();
    expect(exported()).to.have.length(2);
  });

  it('exports a kept request with SampleRate on every span, whichever comes last', () => {
    const { processor, request, exported } = held();
    const { traceId, endServer } = request();
    endServer();
    expect(exported()).to.have.length(0);
    processor.decide(traceId, KEEP_SHARE);
    expect(exported().map((span) => span.attributes.SampleRate)).to.deep.equal([10, 10]);
  });

  it('forgets a dropped request, and holds nothing afterwards', () => {
    const { processor, request, exported } = held();
    const { traceId, endServer } = request();
    processor.decide(traceId, DROP);
    endServer();
    expect(exported()).to.have.length(0);
    expect(processor.held).to.deep.equal({ spans: 0, bytes: 0, traces: 0 });
  });

  it('keeps requests apart: one kept, one dropped, in flight together', () => {
    const { processor, request, exported } = held();
    const kept = request();
    const dropped = request();
    processor.decide(dropped.traceId, DROP);
    processor.decide(kept.traceId, KEEP_ERROR);
    dropped.endServer();
    kept.endServer();
    expect(new Set(exported().map((span) => span.spanContext().traceId))).to.deep.equal(new Set([kept.traceId]));
    expect(exported().every((span) => span.attributes.SampleRate === 1)).to.equal(true);
  });

  it('holds at most maxSpans, counting what it could not hold and still exporting the rest of a kept request', () => {
    const { processor, request, exported, losses } = held({ maxSpans: 2 });
    const first = request();
    const second = request(); // its child is the second span held, its server span the one over the bound
    second.endServer();
    processor.decide(second.traceId, KEEP_ERROR);
    expect(exported().map((span) => span.name)).to.deep.equal(['home-activities-mock-data']);
    first.endServer();
    processor.decide(first.traceId, KEEP_ERROR);
    expect(exported()).to.have.length(3);
    return processor.forceFlush().then(() => expect(losses.at(-1)).to.deep.equal({ overflowed: 1, expired: 0 }));
  });

  it('holds at most maxBytes, by the size of what the spans carry', () => {
    const { processor, request, losses } = held({ maxBytes: 2_000 });
    const big = request({ 'url.full': 'x'.repeat(1_500) });
    big.endServer();
    processor.decide(big.traceId, KEEP_ERROR);
    expect(processor.held.bytes).to.equal(0);
    return processor.forceFlush().then(() => expect(losses.at(-1)?.overflowed).to.equal(1));
  });

  it('gives up on a request undecided for maxHoldMs, counting its spans as expired', async () => {
    const { processor, request, losses, clock } = held({ maxHoldMs: 1_000 });
    request(); // never decided: its server span never ends either
    clock.now = 1_001;
    processor.expireUndecided();
    expect(processor.held.spans).to.equal(0);
    expect(losses.at(-1)).to.deep.equal({ overflowed: 0, expired: 1 });
    await processor.shutdown();
  });
});
