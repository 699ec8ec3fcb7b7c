import { expect } from 'chai';
import { request } from 'node:http';
import { HEALTHY_MIX, Load, type LoadRequest, type LoadResult } from '../support/e2e/load';
import { PipelineStack } from '../support/e2e/stack';
import { sleep } from '../support/e2e/tools';
import { OtlpSpanKind } from '../support/stand-ins';

/**
 * Requests that report to Rollbar, sent right before SIGTERM so their items are still on their way. A few only:
 * the Rollbar client sends at most 60 items a minute (its default) and then one "limit reached" item instead.
 */
const REPORTING: LoadRequest[] = [
  { path: '/rollbar/test' },
  { path: '/debug/error' },
  { path: '/rollbar/test' },
  { path: '/debug/error' },
  { path: '/rollbar/test' },
  { path: '/debug/error' },
];

interface SlowUpload {
  requestId: string;
  /** Sends the rest of the body. */
  finish: () => void;
  answer: Promise<{ status: number; traceId: string }>;
}

/** A POST whose body is half sent: the request is in flight, inside the service, until `finish()`. */
async function startSlowUpload(port: number, requestId: string): Promise<SlowUpload> {
  const body = Buffer.from(JSON.stringify({ message: `in flight at SIGTERM ${requestId}`, ttl: '1-day' }));
  const half = Math.floor(body.length / 2);
  const req = request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/api/activities',
    headers: { 'content-type': 'application/json', 'content-length': body.length, 'x-request-id': requestId },
  });
  const answer = new Promise<{ status: number; traceId: string }>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => {
        const traceparent = res.headers.traceresponse;
        resolve({ status: res.statusCode ?? 0, traceId: (typeof traceparent === 'string' ? traceparent : '').split('-')[1] ?? '' });
      });
    });
    req.on('error', reject);
  });
  req.flushHeaders();
  await new Promise<void>((resolve) => req.write(body.subarray(0, half), () => { resolve(); }));
  return { requestId, finish: () => req.end(body.subarray(half)), answer };
}

describe('drill: SIGTERM during load', function () {
  this.timeout(120_000);
  const stack = new PipelineStack();
  let results: LoadResult[] = [];
  let reporting: LoadResult[] = [];
  let completed: LoadResult[] = [];
  let uploads: { requestId: string; status: number; traceId: string }[] = [];
  let serviceExit: number | string = '';
  let collectorExit: number | string = '';

  before(async function () {
    this.timeout(90_000);
    await stack.start();
    const load = new Load(stack.url(''), HEALTHY_MIX, { workers: 4, pauseMs: 20, maxRequests: 2_000, maxDurationMs: 30_000 }, 'sigterm').start();
    await sleep(2_000);
    const slow = await Promise.all([startSlowUpload(stack.service.port, 'slow-upload-1'), startSlowUpload(stack.service.port, 'slow-upload-2')]);
    // Give the service time to read the headers and enter the route.
    await sleep(200);
    reporting = await new Load(stack.url(''), REPORTING, { workers: REPORTING.length, pauseMs: 0, maxRequests: REPORTING.length, maxDurationMs: 5_000 }, 'reporting')
      .start()
      .finished();
    // The kubelet's SIGTERM, while Rollbar items, log events and spans are still buffered.
    stack.service.child.kill('SIGTERM');
    const loadStopped = load.stop();
    await sleep(300);
    for (const upload of slow) upload.finish();
    uploads = await Promise.all(slow.map(async (upload) => ({ requestId: upload.requestId, ...(await upload.answer) })));
    results = await loadStopped;
    serviceExit = await stack.service.exited;
    // The native sidecar stops after the app: the kubelet's SIGTERM reaches the collector only now.
    collectorExit = await stack.collector.kill('SIGTERM');
    // Requests that got an answer; those sent after the listener closed were refused, never started.
    completed = [...results, ...reporting].filter((r) => r.status > 0);
  });
  after(async () => {
    await stack.stop();
  });

  it('completes the requests in flight at SIGTERM, then exits 0', () => {
    expect(uploads.map((u) => u.status)).to.deep.equal([200, 200]);
    expect(serviceExit).to.equal(0);
    expect(completed.length, 'requests completed before and during the drain').to.be.at.least(50);
    const refused = results.filter((r) => r.status === 0);
    for (const r of refused) expect(r.error, r.requestId).to.match(/fetch failed|ECONNREFUSED|other side closed|ECONNRESET|SocketError/i);
    const failed = completed.filter((r) => r.status !== 200 && !(r.path === '/debug/error' && r.status === 500));
    expect(failed).to.deep.equal([]);
  });

  it('flushed Rollbar, OpenTelemetry and CloudWatch before exiting, each in time', () => {
    const hooks = stack.stdoutLines().filter((line) => line.message === 'shutdown hook finished');
    expect(hooks.map((line) => [line.hook, line.outcome])).to.deep.equal([
      ['rollbar', 'done'],
      ['opentelemetry', 'done'],
      ['cloudwatch', 'done'],
    ]);
    expect(collectorExit, stack.collector.log()).to.equal(0);
  });

  // Everything below is checked without waiting: it had to be there when the processes exited.

  it('delivered the server span of every completed request to Honeycomb (app flush, then the collector\'s)', () => {
    const delivered = new Set(stack.honeycomb.spans().filter((s) => s.kind === OtlpSpanKind.SERVER).map((s) => s.traceId));
    const missing = [...completed, ...uploads].filter((r) => !delivered.has(r.traceId));
    expect(missing.map((r) => r.requestId)).to.deep.equal([]);
  });

  it('sent the X-Ray segment of every completed request', () => {
    const received = new Set(stack.xray.segments.map((doc) => doc.trace_id));
    const missing = [...completed, ...uploads].filter((r) => !received.has(`1-${r.traceId.slice(0, 8)}-${r.traceId.slice(8)}`));
    expect(missing.map((r) => r.requestId)).to.deep.equal([]);
  });

  it('shipped the log line of every completed request to CloudWatch', () => {
    const shipped = new Set(stack.shippedLogs().filter((line) => line.message === 'request completed').map((line) => line.request_id));
    const missing = [...completed, ...uploads].filter((r) => !shipped.has(r.requestId));
    expect(missing.map((r) => r.requestId)).to.deep.equal([]);
  });

  it('reported every /rollbar/test and /debug/error answered just before SIGTERM to Rollbar', () => {
    expect(reporting).to.have.length(REPORTING.length);
    for (const r of reporting) expect(r.status, r.path).to.equal(r.path === '/debug/error' ? 500 : 200);
    const items = stack.rollbar.items.map((item) => JSON.stringify(item.data));
    const missing = reporting.filter((r) => !items.some((item) => item.includes(r.traceId)));
    expect(missing.map((r) => r.requestId)).to.deep.equal([]);
    expect(stack.rollbar.items).to.have.length(REPORTING.length);
  });
});
