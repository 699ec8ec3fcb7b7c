import { expect } from 'chai';
import { ROUTES } from '../api/routes';
import { json } from '../support/e2e/load';
import { GIT_SHA, HONEYCOMB_API_KEY, idsOf, PipelineStack, POD, ROLLBAR_ACCESS_TOKEN } from '../support/e2e/stack';
import { eventually } from '../support/e2e/tools';
import { OtlpSpanKind, OtlpStatusCode, type ReceivedSpan, type XRayDocument } from '../support/stand-ins';

const ACTIVITY = '68f126b0-1ceb-4a33-88be-d90fa7109eee';

interface Call {
  path: string;
  init?: RequestInit;
  status: number;
  /** The Cruddur service it reaches: its span (Honeycomb), subsegment and metadata namespace (X-Ray). */
  traced?: { span: string; subsegment: string; namespace: string; route: string };
}

/** Every route of the contract, plus the two that report to Rollbar. */
const CALLS: Call[] = [
  { path: '/api/activities/home', status: 200, traced: { span: 'home-activities-mock-data', subsegment: 'home_activities', namespace: 'home', route: '/api/activities/home' } },
  { path: '/api/activities/notifications', status: 200, traced: { span: 'notifications-activities-mock-data', subsegment: 'notifications_activities', namespace: 'notifications', route: '/api/activities/notifications' } },
  { path: '/api/activities/@andrewbrown', status: 200, traced: { span: 'user-activities-mock-data', subsegment: 'user_activities', namespace: 'user', route: '/api/activities/@:handle' } },
  { path: '/api/activities/search?term=cloud', status: 200, traced: { span: 'search-activities-mock-data', subsegment: 'search_activities', namespace: 'search', route: '/api/activities/search' } },
  { path: '/api/activities', init: json({ message: 'e2e activity', ttl: '1-day' }), status: 200, traced: { span: 'create-activity', subsegment: 'create_activity', namespace: 'activity', route: '/api/activities' } },
  { path: `/api/activities/${ACTIVITY}`, status: 200, traced: { span: 'show-activity-mock-data', subsegment: 'show_activity', namespace: 'activity', route: '/api/activities/:activity_uuid' } },
  { path: `/api/activities/${ACTIVITY}/reply`, init: json({ message: 'e2e reply' }), status: 200, traced: { span: 'create-reply', subsegment: 'create_reply', namespace: 'reply', route: '/api/activities/:activity_uuid/reply' } },
  { path: '/api/message_groups', status: 200, traced: { span: 'message-groups-mock-data', subsegment: 'message_groups', namespace: 'message_groups', route: '/api/message_groups' } },
  { path: '/api/messages/@worf', status: 200, traced: { span: 'messages-mock-data', subsegment: 'messages', namespace: 'messages', route: '/api/messages/@:handle' } },
  { path: '/api/messages', init: json({ message: 'e2e message', user_receiver_handle: 'worf' }), status: 200, traced: { span: 'create-message', subsegment: 'create_message', namespace: 'message', route: '/api/messages' } },
  { path: '/health', status: 200 },
  { path: '/ready', status: 200 },
  { path: '/rollbar/test', status: 200 },
  { path: '/debug/error', status: 500 },
];

interface Answer {
  call: Call;
  status: number;
  requestId: string;
  traceId: string;
  spanId: string;
  xrayTraceId: string;
}

const TIMEOUT = 20_000;

describe('end to end: service → real collector → "Honeycomb", X-Ray, CloudWatch Logs and Rollbar', function () {
  this.timeout(60_000);
  const stack = new PipelineStack();
  const answers: Answer[] = [];
  const answerTo = (path: string): Answer => {
    const answer = answers.find((a) => a.call.path === path);
    if (!answer) throw new Error(`no answer recorded for ${path}`);
    return answer;
  };

  before(async function () {
    this.timeout(60_000);
    await stack.start();
    for (const [index, call] of CALLS.entries()) {
      const requestId = `e2e-${index}`;
      const headers = new Headers(call.init?.headers);
      headers.set('x-request-id', requestId);
      const res = await fetch(stack.url(call.path), { ...call.init, headers });
      await res.arrayBuffer();
      answers.push({ call, status: res.status, requestId, ...idsOf(res) });
    }
  });
  after(async () => {
    await stack.stop();
  });

  async function spansOf(answer: Answer, count: number): Promise<ReceivedSpan[]> {
    return stack.honeycomb.waitForSpans((span) => span.traceId === answer.traceId, TIMEOUT, count);
  }

  async function segmentOf(answer: Answer): Promise<XRayDocument> {
    const [segment] = await stack.xray.waitForSegments((doc) => doc.trace_id === answer.xrayTraceId, TIMEOUT);
    if (!segment) throw new Error(`no segment for ${answer.call.path}`);
    return segment;
  }

  it('runs the service with the environment the chart gives it; only loopback endpoints and the sampling rules differ', () => {
    const differing = Object.keys(stack.serviceEnv).filter((name) => stack.serviceEnv[name] !== stack.chartEnv[name]);
    expect(differing.sort()).to.deep.equal(Object.keys(stack.loopbackOverrides()).sort());
    expect(stack.chartEnv).to.include({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318',
      AWS_XRAY_DAEMON_ADDRESS: 'cruddur-backend-xray.cruddur.svc:2000',
      K8S_POD_NAME: POD.name,
      ROLLBAR_ACCESS_TOKEN,
      NODE_ENV: 'production',
      GIT_SHA,
      DEBUG_ROUTES: 'true',
    });
  });

  it('answers every route of the contract', () => {
    for (const route of ROUTES) expect(CALLS.map((call) => call.path), 'route covered').to.include(route.path);
    for (const answer of answers) expect(answer.status, answer.call.path).to.equal(answer.call.status);
    for (const answer of answers.filter((a) => a.call.traced)) expect(answer.traceId, answer.call.path).to.match(/^[0-9a-f]{32}$/);
  });

  it('delivers every custom span with its app.* attributes to Honeycomb, under the server span of its request', async () => {
    for (const answer of answers.filter((a) => a.call.traced)) {
      const traced = answer.call.traced;
      const spans = await spansOf(answer, 2);
      const server = spans.find((span) => span.kind === OtlpSpanKind.SERVER);
      const custom = spans.find((span) => span.name === traced?.span);
      expect(server?.spanId, answer.call.path).to.equal(answer.spanId);
      expect(server?.attributes['http.route'], answer.call.path).to.equal(traced?.route);
      expect(custom?.attributes['app.result_length'], answer.call.path).to.be.a('number');
      const byId = new Map(spans.map((span) => [span.spanId, span]));
      let ancestor = custom;
      while (ancestor?.parentSpanId !== undefined) ancestor = byId.get(ancestor.parentSpanId);
      expect(ancestor?.spanId, `${answer.call.path}: custom span's root`).to.equal(server?.spanId);
    }
    const user = stack.honeycomb.spans().find((span) => span.name === 'user-activities-mock-data');
    expect(user?.attributes).to.include({ 'app.user': 'andrewbrown', 'app.result_length': 1 });
    expect(user?.attributes['app.now']).to.be.a('string');
    const message = stack.honeycomb.spans().find((span) => span.name === 'create-message');
    expect(message?.attributes).to.include({ 'app.receiver': 'worf', 'app.message_length': 11 });
  });

  it('sends to Honeycomb only through the collector, over OTLP/HTTP with the ingest key from the Secret', () => {
    const accepted = stack.honeycomb.requests.filter((request) => request.status === 200);
    expect(accepted).to.not.be.empty;
    for (const request of stack.honeycomb.requests) {
      expect(request).to.include({ method: 'POST', path: '/v1/traces', status: 200 });
      expect(request.headers).to.include({ 'x-honeycomb-team': HONEYCOMB_API_KEY, 'content-type': 'application/x-protobuf' });
      expect(request.headers['user-agent']).to.match(/^OpenTelemetry Collector.*\/0\.165\.0/);
    }
  });

  it("describes the service in each span's resource: name, version with its commit, environment, commit and pod", async () => {
    const [span] = await spansOf(answerTo('/api/activities/home'), 1);
    expect(span?.resource).to.include({
      'service.name': 'cruddur-backend',
      'service.version': `0.1.0+${GIT_SHA}`,
      'deployment.environment.name': 'development',
      'vcs.ref.head.revision': GIT_SHA,
      'k8s.pod.name': POD.name,
      'k8s.namespace.name': 'cruddur',
      'k8s.node.name': POD.node,
    });
  });

  it('marks the forced 500 as an error with the exception in Honeycomb', async () => {
    const server = (await spansOf(answerTo('/debug/error'), 1)).find((span) => span.kind === OtlpSpanKind.SERVER);
    expect(server?.status.code).to.equal(OtlpStatusCode.ERROR);
    expect(server?.events.map((event) => event.name)).to.include('exception');
  });

  it('sends X-Ray one segment per request, with the subsegment of its service (id = the custom span id), metadata and annotations', async () => {
    for (const answer of answers.filter((a) => a.call.traced)) {
      const traced = answer.call.traced;
      const segment = await segmentOf(answer);
      expect(segment, answer.call.path).to.include({ name: 'cruddur-backend', id: answer.spanId });
      expect(segment.annotations, answer.call.path).to.deep.equal({ version: `0.1.0+${GIT_SHA}`, route: traced?.route });
      const subsegment = segment.subsegments?.find((doc) => doc.name === traced?.subsegment);
      expect(subsegment, `${answer.call.path}: subsegment ${traced?.subsegment ?? ''}`).to.not.equal(undefined);
      const metadata = (subsegment?.metadata as Record<string, Record<string, unknown>> | undefined)?.[traced?.namespace ?? ''];
      expect(metadata?.['result-size'], `${answer.call.path}: metadata`).to.be.a('number');
      const custom = (await spansOf(answer, 2)).find((span) => span.name === traced?.span);
      expect(subsegment?.id, `${answer.call.path}: subsegment id`).to.equal(custom?.spanId);
    }
    const user = (await segmentOf(answerTo('/api/activities/@andrewbrown'))).subsegments?.find((doc) => doc.name === 'user_activities');
    expect(user?.annotations).to.deep.equal({ userhandle: 'andrewbrown', result_size: 1 });
    expect((user?.metadata as { user: Record<string, unknown> }).user).to.include({ userhandle: 'andrewbrown', 'result-size': 1 });
    const failed = await segmentOf(answerTo('/debug/error'));
    expect(failed.fault).to.equal(true);
    expect(JSON.stringify(failed.cause)).to.include('Deliberate error from /debug/error');
    expect(stack.xray.malformed).to.deep.equal([]);
  });

  it("ships each request's log line to the chart's log group, in the pod's stream, with the same trace ids", async () => {
    const expected = answers.filter((a) => a.call.traced || a.call.path === '/rollbar/test' || a.call.path === '/debug/error');
    const completed = await eventually(
      () => {
        const lines = stack.shippedLogs().filter((line) => line.message === 'request completed' || line.message === 'request failed');
        return expected.every((a) => lines.some((line) => line.request_id === a.requestId)) ? lines : undefined;
      },
      () => `log lines of every request in ${stack.logGroup}/${stack.logStream}; streams: ${stack.cloudwatch.logStreamNames(stack.logGroup).join(', ')}`,
      TIMEOUT,
    );
    expect(stack.logGroup).to.equal('cruddur');
    for (const answer of expected) {
      const line = completed.find((l) => l.request_id === answer.requestId && l.message === 'request completed');
      expect(line, answer.call.path).to.include({ trace_id: answer.traceId, span_id: answer.spanId, xray_trace_id: answer.xrayTraceId, status: answer.status });
    }
    const signed = stack.cloudwatch.callsOf('PutLogEvents').map((call) => call.signedWith);
    expect(signed[0]).to.include({ accessKeyId: 'E2ETESTACCESSKEY0001', region: 'us-east-1', service: 'logs' });
  });

  it('reports /rollbar/test (warning) and the forced 500 (error) to Rollbar, with the same trace ids', async () => {
    const warning = answerTo('/rollbar/test');
    const error = answerTo('/debug/error');
    const [warningItem] = await stack.rollbar.waitForItems((item) => JSON.stringify(item.data).includes(warning.traceId), TIMEOUT);
    const [errorItem] = await stack.rollbar.waitForItems((item) => JSON.stringify(item.data).includes(error.traceId), TIMEOUT);
    expect(warningItem?.accessToken).to.equal(ROLLBAR_ACCESS_TOKEN);
    expect(warningItem?.data).to.include({ level: 'warning', environment: 'development', code_version: GIT_SHA });
    expect(JSON.stringify(warningItem?.data.body)).to.include('Hello World!');
    expect(errorItem?.data).to.include({ level: 'error' });
    expect(errorItem?.data.custom).to.include({ trace_id: error.traceId, xray_trace_id: error.xrayTraceId, request_id: error.requestId });
  });

  it('never traces the probes', async () => {
    // Everything the service had buffered has arrived once the last request's spans have.
    await spansOf(answers.at(-1) ?? answerTo('/debug/error'), 1);
    const probes = answers.filter((a) => a.call.path === '/health' || a.call.path === '/ready');
    for (const probe of probes) {
      expect(stack.honeycomb.spans().some((span) => span.traceId === probe.traceId && probe.traceId !== ''), probe.call.path).to.equal(false);
      expect(stack.xray.segments.some((doc) => JSON.stringify(doc.http).includes(probe.call.path)), probe.call.path).to.equal(false);
    }
  });
});

describe('end to end: a wrong Honeycomb key', function () {
  this.timeout(60_000);
  const stack = new PipelineStack();
  before(async () => {
    await stack.start({ honeycombKey: 'not-the-teams-key' });
  });
  after(async () => {
    await stack.stop();
  });

  it('is refused by "Honeycomb" with 401 and the collector logs the refused spans', async () => {
    const res = await fetch(stack.url('/api/activities/home'));
    expect(res.status).to.equal(200);
    const refused = await eventually(
      () => stack.honeycomb.requests.find((request) => request.status === 401),
      () => 'a refused export',
      TIMEOUT,
    );
    expect(refused.headers['x-honeycomb-team']).to.equal('not-the-teams-key');
    expect(stack.honeycomb.spans()).to.deep.equal([]);
    const dropped = await eventually(
      () => stack.collector.logLines().find((line) => line.level === 'error' && /401/.test(JSON.stringify(line))),
      () => `the collector's error about the 401:\n${stack.collector.log()}`,
      TIMEOUT,
    );
    expect(JSON.stringify(dropped)).to.match(/dropped_items|Dropping data/i);
  });
});
