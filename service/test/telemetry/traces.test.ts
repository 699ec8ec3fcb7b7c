import { expect } from 'chai';
import { OtlpSpanKind, OtlpStatusCode, type ReceivedSpan } from '../support/stand-ins';
import { TelemetryStack } from '../support/telemetry-stack';

/** The trace id a response names in its `traceresponse` header. */
function traceIdOf(res: Response): string {
  const header = res.headers.get('traceresponse') ?? '';
  expect(header).to.match(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  return header.split('-')[1] ?? '';
}

describe('OpenTelemetry traces (built service → OTLP receiver)', function () {
  this.timeout(30_000);
  const stack = TelemetryStack.forSuite();

  async function spansOf(traceId: string, count: number): Promise<ReceivedSpan[]> {
    return stack.otlp.waitForSpans((span) => span.traceId === traceId, 10_000, count);
  }

  it('sends home-activities-mock-data with app.now and app.result_length', async () => {
    const res = await fetch(stack.url('/api/activities/home'));
    expect(res.status).to.equal(200);
    const spans = await spansOf(traceIdOf(res), 2);
    const custom = spans.find((span) => span.name === 'home-activities-mock-data');
    expect(custom?.attributes['app.result_length']).to.equal(3);
    expect(custom?.attributes['app.now']).to.be.a('string').and.match(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('sends user-activities-mock-data with app.user, under the server span that carries http.route', async () => {
    const res = await fetch(stack.url('/api/activities/@andrewbrown'));
    const spans = await spansOf(traceIdOf(res), 2);
    const server = spans.find((span) => span.kind === OtlpSpanKind.SERVER);
    const custom = spans.find((span) => span.name === 'user-activities-mock-data');
    expect(server?.attributes['http.route']).to.equal('/api/activities/@:handle');
    expect(custom?.attributes).to.include({ 'app.user': 'andrewbrown', 'app.result_length': 1 });
    // custom → server: every span of the request in one tree
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    let ancestor = custom;
    while (ancestor?.parentSpanId) ancestor = byId.get(ancestor.parentSpanId);
    expect(ancestor?.spanId).to.equal(server?.spanId);
    expect(server?.spanId).to.equal(res.headers.get('traceresponse')?.split('-')[2]);
  });

  it('sends a span of the same style for every other Cruddur service, without message bodies', async () => {
    const calls: [string, RequestInit | undefined, string][] = [
      ['/api/activities/notifications', undefined, 'notifications-activities-mock-data'],
      ['/api/activities/search?term=cloud', undefined, 'search-activities-mock-data'],
      ['/api/activities/68f126b0-1ceb-4a33-88be-d90fa7109eee', undefined, 'show-activity-mock-data'],
      ['/api/message_groups', undefined, 'message-groups-mock-data'],
      ['/api/messages/@worf', undefined, 'messages-mock-data'],
      ['/api/activities', post({ message: 'secret plans', ttl: '1-day' }), 'create-activity'],
      ['/api/activities/68f126b0-1ceb-4a33-88be-d90fa7109eee/reply', post({ message: 'secret reply' }), 'create-reply'],
      ['/api/messages', post({ message: 'secret message', user_receiver_handle: 'worf' }), 'create-message'],
    ];
    for (const [path, init, name] of calls) {
      const res = await fetch(stack.url(path), init);
      expect(res.status, path).to.equal(200);
      const spans = await spansOf(traceIdOf(res), 2);
      const custom = spans.find((span) => span.name === name);
      expect(custom, name).to.not.equal(undefined);
      expect(custom?.attributes['app.result_length'], name).to.be.a('number');
      expect(JSON.stringify(spans, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)), name).not.to.include('secret');
    }
    const created = stack.otlp.spans().find((span) => span.name === 'create-message');
    expect(created?.attributes).to.include({ 'app.receiver': 'worf', 'app.message_length': 14 });
  });

  it('records validation failures as attributes, not as span errors', async () => {
    const res = await fetch(stack.url('/api/activities/search'));
    expect(res.status).to.equal(422);
    const custom = (await spansOf(traceIdOf(res), 2)).find((span) => span.name === 'search-activities-mock-data');
    expect(custom?.attributes['app.validation_errors']).to.equal('search_term_blank');
    expect(custom?.status.code).to.not.equal(OtlpStatusCode.ERROR);
  });

  it('marks the server span of a 500 as an error with the exception recorded', async () => {
    const res = await fetch(stack.url('/debug/error'));
    expect(res.status).to.equal(500);
    const server = (await spansOf(traceIdOf(res), 1)).find((span) => span.kind === OtlpSpanKind.SERVER);
    expect(server?.status.code).to.equal(OtlpStatusCode.ERROR);
    expect(server?.events.map((event) => event.name)).to.include('exception');
  });

  it('describes the service in the resource: name, version with its commit, environment, commit and pod', async () => {
    const res = await fetch(stack.url('/api/activities/home'));
    const [span] = await spansOf(traceIdOf(res), 1);
    expect(span?.resource).to.include({
      'service.name': 'cruddur-backend',
      'service.version': '0.1.0+abc1234',
      'deployment.environment.name': 'test',
      'vcs.ref.head.revision': 'abc1234',
      'k8s.pod.name': 'cruddur-backend-7d9f-x2x4',
      'k8s.namespace.name': 'cruddur',
      'k8s.node.name': 'kind-worker',
    });
  });

  it('continues an incoming traceparent', async () => {
    const res = await fetch(stack.url('/api/activities/home'), {
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    expect(traceIdOf(res)).to.equal('0af7651916cd43dd8448eb211c80319c');
    const server = (await spansOf('0af7651916cd43dd8448eb211c80319c', 1)).find((span) => span.kind === OtlpSpanKind.SERVER);
    expect(server?.parentSpanId).to.equal('b7ad6b7169203331');
  });

  it('continues an incoming X-Amzn-Trace-Id, which wins over traceparent', async () => {
    const res = await fetch(stack.url('/api/activities/home'), {
      headers: {
        'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
        traceparent: '00-0af7651916cd43dd8448eb211c80319d-b7ad6b7169203331-01',
      },
    });
    expect(traceIdOf(res)).to.equal('5759e988bd862e3fe1be46a994272793');
    expect(res.headers.get('x-amzn-trace-id')).to.equal('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1');
    const server = (await spansOf('5759e988bd862e3fe1be46a994272793', 1)).find((span) => span.kind === OtlpSpanKind.SERVER);
    expect(server?.parentSpanId).to.equal('53995c3f42cd8ad8');
  });

  for (const flag of [';Sampled=?', '']) {
    it(`keeps the caller's X-Ray Parent when the header leaves the decision open (${flag === '' ? 'no Sampled flag' : flag.slice(1)}), and samples as for a new trace`, async () => {
      const traceId = `${Math.floor(Date.now() / 1000).toString(16)}bd862e3fe1be46a99427279${flag === '' ? 'c' : 'd'}`;
      const res = await fetch(stack.url('/api/activities/home'), {
        headers: { 'x-amzn-trace-id': `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Parent=53995c3f42cd8ad8${flag}` },
      });
      expect(res.headers.get('traceresponse')).to.match(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      const server = (await spansOf(traceId, 1)).find((span) => span.kind === OtlpSpanKind.SERVER);
      expect(server?.parentSpanId).to.equal('53995c3f42cd8ad8');
    });
  }

  it("keeps an ALB's Root-only trace id for the request's root span", async () => {
    const root = `${Math.floor(Date.now() / 1000).toString(16)}a1b2c3d4e5f6a7b8c9d0e1f2`;
    const res = await fetch(stack.url('/api/activities/home'), {
      headers: { 'x-amzn-trace-id': `Self=1-67891234-123456789abcdef012345678;Root=1-${root.slice(0, 8)}-${root.slice(8)}` },
    });
    expect(traceIdOf(res)).to.equal(root);
    const server = (await spansOf(root, 1)).find((span) => span.kind === OtlpSpanKind.SERVER);
    expect(server?.parentSpanId).to.equal(undefined);
  });

  it('starts a fresh, well-formed trace for hostile trace headers, without a 5xx', async () => {
    const hostile = [
      { traceparent: '00-zzzz-yyyy-01' },
      { traceparent: `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01` },
      { 'x-amzn-trace-id': 'Root=1-xyz;Parent=;Sampled=7' },
      { 'x-amzn-trace-id': `Root=1-${'f'.repeat(300)}` },
      { 'x-amzn-trace-id': ';;;===;;Root' },
      { traceparent: 'x'.repeat(8000) },
    ];
    for (const headers of hostile) {
      const res = await fetch(stack.url('/api/activities/home'), { headers });
      expect(res.status, JSON.stringify(headers).slice(0, 80)).to.equal(200);
      expect(traceIdOf(res)).to.not.match(/^0+$/);
    }
  });

  it('does not trace the probes', async () => {
    await fetch(stack.url('/health'));
    await fetch(stack.url('/ready'));
    const marker = await fetch(stack.url('/api/message_groups'));
    await spansOf(traceIdOf(marker), 1); // everything sent before this has arrived
    expect(stack.otlp.spans().some((span) => /\/(health|ready)/.test(JSON.stringify(span.attributes)))).to.equal(false);
  });
});

function post(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

describe('OpenTelemetry as its standard variables say', function () {
  this.timeout(30_000);

  it('reads only the propagators OTEL_PROPAGATORS names: with tracecontext alone, an X-Ray header starts no trace of its own', async () => {
    const stack = await new TelemetryStack().start({ OTEL_PROPAGATORS: 'tracecontext' });
    try {
      const res = await fetch(stack.url('/api/activities/home'), {
        headers: { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' },
      });
      expect(traceIdOf(res)).not.to.equal('5759e988bd862e3fe1be46a994272793');
      const w3c = await fetch(stack.url('/api/activities/home'), { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319e-b7ad6b7169203331-01' } });
      expect(traceIdOf(w3c)).to.equal('0af7651916cd43dd8448eb211c80319e');
    } finally {
      await stack.stop();
    }
  });

  it("keeps writing the SDK's messages at OTEL_LOG_LEVEL once the service's logger has taken over", async () => {
    const stack = await new TelemetryStack().start({ OTEL_LOG_LEVEL: 'debug', LOG_LEVEL: 'debug' });
    try {
      await fetch(stack.url('/api/activities/home'));
      const line = await stack.waitForStdoutLine((l) => l.component === 'opentelemetry' && l.level === 'debug', 10_000);
      expect(String(line.message)).to.match(/^opentelemetry: /);
    } finally {
      await stack.stop();
    }
  });
});

