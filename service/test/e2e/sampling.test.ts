import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { ROOT } from '../support/process';
import { PipelineStack } from '../support/e2e/stack';
import { OtlpSpanKind, OtlpStatusCode, type ReceivedSpan } from '../support/stand-ins';

const REQUESTS = 1_000;
/** Every 20th request fails: 5%. */
const FAILING_EVERY = 20;
const PARENT = '53995c3f42cd8ad8';

/** The eks profile's sampling, as its values file sets it. */
function eksSampling(): Record<string, unknown> {
  const values = parse(readFileSync(path.join(ROOT, 'charts/cruddur-backend/ci/eks-values.yaml'), 'utf8')) as { telemetry: { sampling: Record<string, unknown> } };
  return values.telemetry.sampling;
}

/**
 * Request i's trace id: the random end spread evenly over its range, so exactly the share of them falls in it and
 * the counts below are exact rather than within a binomial spread (random ids, as the closing note reports, vary).
 */
function traceIdOf(i: number): string {
  const end = Math.floor(((i + 0.5) / REQUESTS) * 16 ** 13).toString(16).padStart(13, '0');
  return `5759e988${i.toString(16).padStart(11, '0')}${end}`;
}

interface SavedQuery {
  name: string;
  spec: {
    calculated_fields?: { name: string; expression: string }[];
    calculations: { op: string; column?: string }[];
    filters?: { column: string; op: string; value: string }[];
  };
}

/** A span as Honeycomb stores it: the columns the saved queries read. */
function honeycombEvent(span: ReceivedSpan): Record<string, unknown> {
  const kinds: Record<number, string> = { [OtlpSpanKind.SERVER]: 'server', [OtlpSpanKind.INTERNAL]: 'internal' };
  return { ...span.attributes, 'span.kind': kinds[span.kind], is_error: span.status.code === OtlpStatusCode.ERROR ? 1 : 0 };
}

/**
 * A saved query's COUNT and AVG as Honeycomb computes them over sampled events: each event weighted by its
 * SampleRate ("Sampled Data in Honeycomb"). Only what the query below uses: `=` filters, COUNT and AVG.
 */
function weighted(query: SavedQuery, events: Record<string, unknown>[]): Record<string, number> {
  const kept = events.filter((event) => (query.spec.filters ?? []).every((f) => f.op === '=' && event[f.column] === f.value));
  const weight = (event: Record<string, unknown>) => Number(event.SampleRate ?? 1);
  const total = kept.reduce((sum, event) => sum + weight(event), 0);
  const result: Record<string, number> = {};
  for (const { op, column } of query.spec.calculations) {
    if (op === 'COUNT') result.COUNT = total;
    if (op === 'AVG' && column) result[`AVG(${column})`] = kept.reduce((sum, event) => sum + weight(event) * Number(event[column]), 0) / total;
  }
  return result;
}

describe('end to end: the eks profile keeps every failed request and counts add up (real collector)', function () {
  this.timeout(120_000);
  const stack = new PipelineStack();
  const failedTraceIds: string[] = [];
  let serverSpans: ReceivedSpan[] = [];

  before(async function () {
    this.timeout(120_000);
    await stack.start({ values: { telemetry: { sampling: eksSampling(), links: { honeycombTeam: 'cruddur', honeycombEnvironment: 'production' } } } });
    const send = async (i: number) => {
      const failing = i % FAILING_EVERY === 0;
      const res = await fetch(stack.url(failing ? '/debug/error' : '/api/activities/home'), { headers: { traceparent: `00-${traceIdOf(i)}-${PARENT}-00` } });
      await res.arrayBuffer();
      expect(res.status).to.equal(failing ? 500 : 200);
      if (failing) failedTraceIds.push(traceIdOf(i));
    };
    // Ten requests at a time: a small, bounded load that ends by itself.
    for (let i = 0; i < REQUESTS; i += 10) await Promise.all(Array.from({ length: 10 }, (_, k) => send(i + k)));
    const sentinel = traceIdOf(0);
    await stack.honeycomb.waitForSpans((span) => span.traceId === sentinel, 20_000);
    // Kept spans leave in the order their requests ended: once the last failed request's are in, every kept one is.
    const last = failedTraceIds.at(-1) ?? '';
    await stack.honeycomb.waitForSpans((span) => span.traceId === last && span.kind === OtlpSpanKind.SERVER, 20_000);
    serverSpans = stack.honeycomb.spans().filter((span) => span.kind === OtlpSpanKind.SERVER);
  });

  after(async () => {
    await stack.stop();
  });

  it("sends every failed request's trace to Honeycomb and X-Ray, and its Rollbar item links to it", async () => {
    expect(failedTraceIds).to.have.length(REQUESTS / FAILING_EVERY);
    const inHoneycomb = new Set(serverSpans.map((span) => span.traceId));
    expect(failedTraceIds.filter((id) => !inHoneycomb.has(id)), 'failed requests missing in Honeycomb').to.deep.equal([]);
    const xrayIds = (await stack.xray.waitForSegments((doc) => doc.fault === true, 20_000, failedTraceIds.length)).map((doc) => String(doc.trace_id).replace(/^1-|-/g, ''));
    expect(failedTraceIds.filter((id) => !xrayIds.includes(id)), 'failed requests missing in X-Ray').to.deep.equal([]);
    const items = await stack.rollbar.waitForItems((item) => JSON.stringify(item.data).includes('Deliberate error'), 20_000, failedTraceIds.length);
    const linked = items.map((item) => new URL(String((item.data.custom as Record<string, unknown>).honeycomb_trace_url)).searchParams.get('trace_id'));
    expect([...linked].sort()).to.deep.equal([...failedTraceIds].sort());
  });

  it('keeps at most 15% of the good requests', () => {
    const good = serverSpans.filter((span) => span.status.code !== OtlpStatusCode.ERROR);
    expect(good.length / (REQUESTS - failedTraceIds.length)).to.be.at.most(0.15);
  });

  it("reads right in the saved query 'Errors and latency by version': requests within 10%, the error share within half a point", () => {
    const queries = (parse(readFileSync(path.join(ROOT, 'service/observability/honeycomb.yaml'), 'utf8')) as { queries: SavedQuery[] }).queries;
    const query = queries.find((q) => q.name === 'Errors and latency by version');
    if (!query) throw new Error('no saved query "Errors and latency by version"');
    const result = weighted(query, serverSpans.map(honeycombEvent));
    expect(result.COUNT).to.be.within(REQUESTS * 0.9, REQUESTS * 1.1);
    expect(result['AVG(is_error)']).to.be.closeTo(1 / FAILING_EVERY, 0.005);
    // Unweighted, as before SampleRate: the count read about 11 times low and the error share several times high.
    const unweighted = weighted(query, serverSpans.map((span) => ({ ...honeycombEvent(span), SampleRate: 1 })));
    expect(unweighted.COUNT).to.be.below(REQUESTS * 0.5);
  });

  it('stamps every span of a kept trace, the service spans too, with the SampleRate of its server span', () => {
    const rateOf = new Map(serverSpans.map((span) => [span.traceId, span.attributes.SampleRate]));
    const all = stack.honeycomb.spans().filter((span) => rateOf.has(span.traceId));
    expect(all.filter((span) => span.kind !== OtlpSpanKind.SERVER).length).to.be.above(0);
    expect(all.filter((span) => span.attributes.SampleRate !== rateOf.get(span.traceId))).to.deep.equal([]);
    expect(new Set(serverSpans.map((span) => span.attributes.SampleRate))).to.deep.equal(new Set([1, 10]));
  });
});
