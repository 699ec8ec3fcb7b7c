import { expect } from 'chai';
import { LOG_GROUP, LOG_STREAM, TelemetryStack } from '../support/telemetry-stack';

function idsOf(res: Response) {
  const [, traceId, spanId] = (res.headers.get('traceresponse') ?? '').split('-');
  return { traceId: traceId ?? '', spanId: spanId ?? '', xrayTraceId: `1-${traceId?.slice(0, 8) ?? ''}-${traceId?.slice(8) ?? ''}` };
}

describe('logs and error reports (built service → CloudWatch Logs and Rollbar APIs)', function () {
  this.timeout(30_000);
  const stack = TelemetryStack.forSuite();

  it('writes the request line to stdout and CloudWatch with trace id, span id, X-Ray id and request id', async () => {
    const res = await fetch(stack.url('/api/activities/home'), { headers: { 'x-request-id': 'log-test-1' } });
    const ids = idsOf(res);
    const expected = { request_id: 'log-test-1', trace_id: ids.traceId, span_id: ids.spanId, xray_trace_id: ids.xrayTraceId };
    const isOurs = (line: Record<string, unknown>) => line.request_id === 'log-test-1' && line.message === 'request completed';
    expect(await stack.waitForStdoutLine(isOurs)).to.include(expected);
    let shipped: Record<string, unknown> | undefined;
    for (let attempt = 0; attempt < 50 && !shipped; attempt++) {
      shipped = stack.cloudwatch.messages(LOG_GROUP, LOG_STREAM).map((m) => JSON.parse(m) as Record<string, unknown>).find(isOurs);
      if (!shipped) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(shipped).to.include({ ...expected, level: 'info', route: '/api/activities/home', status: 200 });
  });

  it('creates the log group and stream and signs its calls', async () => {
    await stack.cloudwatch.waitForEvents(LOG_GROUP, LOG_STREAM, 1, 10_000);
    expect(stack.cloudwatch.logGroupNames()).to.include(LOG_GROUP);
    expect(stack.cloudwatch.logStreamNames(LOG_GROUP)).to.include(LOG_STREAM);
    expect(stack.cloudwatch.callsOf('PutLogEvents')[0]?.signedWith).to.include({ region: 'us-east-1' });
  });

  it('reports a 500 to Rollbar once, with the request, route and the same trace ids', async () => {
    const res = await fetch(stack.url('/debug/error'), {
      headers: { authorization: 'Bearer very-secret', cookie: 'session=also-secret', 'x-api-token': 'nope', 'x-request-id': 'err-1' },
    });
    expect(res.status).to.equal(500);
    const ids = idsOf(res);
    const [item] = await stack.rollbar.waitForItems((i) => JSON.stringify(i.data).includes('err-1'), 10_000);
    const data = item?.data as Record<string, unknown>;
    expect(item?.accessToken).to.equal('test-rollbar-token');
    expect(data).to.include({ level: 'error', environment: 'test', context: '/debug/error' });
    expect(data.custom).to.include({ route: '/debug/error', request_id: 'err-1', trace_id: ids.traceId, xray_trace_id: ids.xrayTraceId });
    const custom = data.custom as Record<string, string>;
    const honeycomb = new URL(custom.honeycomb_trace_url ?? '');
    expect(`${honeycomb.origin}${honeycomb.pathname}`).to.equal('https://ui.honeycomb.io/cruddur-team/environments/test/datasets/cruddur-backend/trace');
    expect(Object.fromEntries(honeycomb.searchParams)).to.include({ trace_id: ids.traceId, span: ids.spanId });
    expect(custom.xray_trace_url).to.equal(`https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#xray:traces/${ids.xrayTraceId}`);
    expect(JSON.stringify(data.body)).to.include('Deliberate error from /debug/error');
    const request = data.request as { method: string; url: string; headers: Record<string, string> };
    expect(request).to.include({ method: 'GET', url: '/debug/error' });
    expect(JSON.stringify(item)).not.to.match(/very-secret|also-secret|"nope"/);
    expect(stack.rollbar.items.filter((i) => JSON.stringify(i.data).includes('err-1'))).to.have.length(1);
    const failure = await stack.waitForStdoutLine((line) => line.message === 'request failed' && line.request_id === 'err-1');
    expect(failure).to.include({ trace_id: ids.traceId });
  });

  it('sends Hello World! at level warning from /rollbar/test, with its trace id', async () => {
    const res = await fetch(stack.url('/rollbar/test'));
    expect(await res.text()).to.equal('Hello World!');
    const { traceId } = idsOf(res);
    const [item] = await stack.rollbar.waitForItems((i) => JSON.stringify(i.data).includes(traceId), 10_000);
    expect(item?.data).to.include({ level: 'warning' });
    expect(JSON.stringify(item?.data.body)).to.include('Hello World!');
    expect(item?.data.code_version).to.equal('abc1234');
  });

  it('says at start-up which destinations are on', () => {
    const messages = stack.stdoutLines().map((line) => line.message);
    expect(messages).to.include.members(['cloudwatch logs enabled', 'opentelemetry enabled', 'x-ray enabled', 'rollbar enabled']);
    expect(stack.service.stdout()).not.to.include('test-rollbar-token');
    expect(stack.service.stdout()).not.to.include('test-secret');
  });
});
