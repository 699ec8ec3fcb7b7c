import { expect } from 'chai';
import { evaluateInFreshProcess } from '../support/process';

interface Recorded {
  spans: { name: string; ended: boolean; attributes: Record<string, unknown>; status: number; events: string[] }[];
  subsegments: { name: string; in_progress?: boolean; fault?: boolean; metadata?: Record<string, Record<string, unknown>>; cause?: unknown }[];
  answer: unknown;
}

/**
 * Runs `service` (source of an async function) through traced() in a fresh process with a real tracer provider and
 * a request's X-Ray segment, and reports the spans, the subsegments, and what the caller got, once it settled.
 */
function tracedAsync(service: string): Recorded {
  return evaluateInFreshProcess(`
    process.env.AWS_XRAY_MANUAL_MODE = 'true';
    const { context, trace } = require('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
    const { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } = require('@opentelemetry/sdk-trace');
    const sdk = require('aws-xray-sdk-core');
    const emitter = require('aws-xray-sdk-core/dist/lib/segment_emitter');
    const { requestSegmentFactory } = require('./dist/src/telemetry/xray-segment.js');
    const { runWithRequestContext } = require('./dist/src/request/context.js');
    const { traced } = require('./dist/src/telemetry/traced.js');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
    const segment = requestSegmentFactory(sdk, { ...emitter, send: () => undefined })('cruddur-backend', {
      traceId: '1-5759e988-bd862e3fe1be46a994272793', id: '53995c3f42cd8ad8' });
    const trip = { span: 'db-activities', subsegment: 'db_activities', namespace: 'db' };
    const service = ${service};
    const pending = runWithRequestContext({ requestId: 'r1', trace: { segment } }, () => traced(trip, { user: 'andrewbrown' }, service));
    const before = exporter.getFinishedSpans().length;
    pending.then((value) => value, (err) => 'rejected: ' + err.message).then(async (answer) => {
      await new Promise((resolve) => setTimeout(resolve, 50)); // the span processor exports after the span ends
      process.stdout.write(JSON.stringify({
        endedBeforeSettling: before,
        spans: exporter.getFinishedSpans().map((s) => ({ name: s.name, ended: s.ended, attributes: s.attributes, status: s.status.code,
          events: s.events.map((e) => e.name) })),
        subsegments: segment.subsegments.map((s) => JSON.parse(JSON.stringify(s))),
        answer,
      }));
      process.exit(0);
    });`) as Recorded;
}

describe('traced() with a service that returns a promise', function () {
  this.timeout(20_000);

  it("ends the span and the subsegment when the promise resolves, with the result's fields", () => {
    const recorded = tracedAsync(`async () => { await new Promise((r) => setTimeout(r, 20)); return [1, 2, 3]; }`) as Recorded & { endedBeforeSettling: number };
    expect(recorded.endedBeforeSettling).to.equal(0);
    expect(recorded.answer).to.deep.equal([1, 2, 3]);
    expect(recorded.spans).to.have.length(1);
    expect(recorded.spans[0]).to.deep.include({ name: 'db-activities', ended: true });
    expect(recorded.spans[0]?.attributes).to.include({ 'app.user': 'andrewbrown', 'app.result_length': 3 });
    expect(recorded.subsegments).to.have.length(1);
    expect(recorded.subsegments[0]?.in_progress).to.equal(undefined);
    expect(recorded.subsegments[0]?.metadata?.db).to.include({ userhandle: 'andrewbrown', 'result-size': 3 });
  });

  it('records the rejection on the span and the subsegment, and the caller still gets it', () => {
    const recorded = tracedAsync(`async () => { await new Promise((r) => setTimeout(r, 20)); throw new Error('connection reset'); }`);
    expect(recorded.answer).to.equal('rejected: connection reset');
    expect(recorded.spans[0]).to.deep.include({ ended: true, status: 2, events: ['exception'] });
    expect(recorded.subsegments[0]?.fault).to.equal(true);
    expect(recorded.subsegments[0]?.in_progress).to.equal(undefined);
    expect(JSON.stringify(recorded.subsegments[0]?.cause)).to.include('connection reset');
  });
});
