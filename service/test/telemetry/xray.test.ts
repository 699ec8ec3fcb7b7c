import { createSocket } from 'node:dgram';
import { expect } from 'chai';
import { eventually } from '../support/e2e/tools';
import { startService } from '../support/process';
import type { XRayDocument } from '../support/stand-ins';
import { TelemetryStack } from '../support/telemetry-stack';

function xrayIdOf(res: Response): string {
  const root = /^Root=(1-[0-9a-f]{8}-[0-9a-f]{24});Sampled=([01])$/.exec(res.headers.get('x-amzn-trace-id') ?? '');
  expect(root, 'x-amzn-trace-id answer').to.not.equal(null);
  return root?.[1] ?? '';
}

describe('X-Ray segments (built service → UDP daemon protocol)', function () {
  this.timeout(30_000);
  const stack = TelemetryStack.forSuite();

  async function segmentOf(xrayTraceId: string): Promise<XRayDocument> {
    const [segment] = await stack.xray.waitForSegments((doc) => doc.trace_id === xrayTraceId, 10_000);
    return segment as XRayDocument;
  }

  it('sends one segment per request, with the OpenTelemetry trace id and server span id', async () => {
    const res = await fetch(stack.url('/api/activities/home'));
    const xrayTraceId = xrayIdOf(res);
    const [, traceId, spanId] = (res.headers.get('traceresponse') ?? '').split('-');
    expect(xrayTraceId.replace(/^1-|-/g, '')).to.equal(traceId);
    const segment = await segmentOf(xrayTraceId);
    expect(segment).to.include({ name: 'cruddur-backend', id: spanId });
    expect(segment.http).to.deep.include({ response: { status: 200, content_length: Number(res.headers.get('content-length')) } });
    expect((segment.http as { request: Record<string, unknown> }).request).to.include({ method: 'GET' });
    expect(segment.annotations).to.deep.equal({ version: '0.1.0+abc1234', route: '/api/activities/home' });
    expect(stack.xray.segments.filter((doc) => doc.trace_id === xrayTraceId)).to.have.length(1);
  });

  it("sends user_activities with the course's metadata in namespace user and searchable annotations", async () => {
    const res = await fetch(stack.url('/api/activities/@andrewbrown'));
    const segment = await segmentOf(xrayIdOf(res));
    const subsegment = segment.subsegments?.find((doc) => doc.name === 'user_activities');
    const metadata = (subsegment?.metadata as { user: Record<string, unknown> } | undefined)?.user;
    expect(metadata).to.include({ userhandle: 'andrewbrown', 'result-size': 1 });
    expect(metadata?.time).to.be.a('string');
    expect(subsegment?.annotations).to.deep.equal({ userhandle: 'andrewbrown', result_size: 1 });
    // the subsegment's id is the custom span's id: the same node in Honeycomb and in X-Ray
    const [span] = await stack.otlp.waitForSpans((s) => s.name === 'user-activities-mock-data' && s.spanId === subsegment?.id, 10_000);
    expect(span).to.not.equal(undefined);
  });

  it('flags a 500 as a fault with the exception, and a 4xx as an error', async () => {
    const failed = await segmentOf(xrayIdOf(await fetch(stack.url('/debug/error'))));
    expect(failed.fault).to.equal(true);
    expect(JSON.stringify(failed.cause)).to.include('Deliberate error from /debug/error');
    const invalid = await segmentOf(xrayIdOf(await fetch(stack.url('/api/activities/search'))));
    expect(invalid.error).to.equal(true);
    expect(invalid.fault).to.equal(undefined);
  });

  it("keeps the caller's X-Ray parent and honours Sampled=1", async () => {
    const res = await fetch(stack.url('/api/message_groups'), {
      headers: { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272799;Parent=53995c3f42cd8ad8;Sampled=1' },
    });
    const segment = await segmentOf(xrayIdOf(res));
    expect(segment).to.include({ trace_id: '1-5759e988-bd862e3fe1be46a994272799', parent_id: '53995c3f42cd8ad8' });
  });

  for (const flag of [';Sampled=?', '']) {
    it(`keeps the caller's X-Ray parent when the header leaves the decision open (${flag === '' ? 'no Sampled flag' : flag.slice(1)})`, async () => {
      const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-bd862e3fe1be46a99427279${flag === '' ? 'a' : 'b'}`;
      const res = await fetch(stack.url('/api/message_groups'), { headers: { 'x-amzn-trace-id': `Root=${root};Parent=53995c3f42cd8ad8${flag}` } });
      expect(res.headers.get('x-amzn-trace-id')).to.equal(`Root=${root};Sampled=1`);
      expect(await segmentOf(root)).to.include({ trace_id: root, parent_id: '53995c3f42cd8ad8' });
    });
  }

  it("decides a caller's Sampled=0 like any request: at the default share, kept and answered Sampled=1", async () => {
    const res = await fetch(stack.url('/api/message_groups'), {
      headers: { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272798;Parent=53995c3f42cd8ad8;Sampled=0' },
    });
    expect(res.headers.get('x-amzn-trace-id')).to.equal('Root=1-5759e988-bd862e3fe1be46a994272798;Sampled=1');
    expect(await segmentOf('1-5759e988-bd862e3fe1be46a994272798')).to.include({ parent_id: '53995c3f42cd8ad8' });
  });

  it('answers Sampled=? with the decision it made', async () => {
    const res = await fetch(stack.url('/api/activities/home'), {
      headers: { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272797;Sampled=?' },
    });
    expect(res.headers.get('x-amzn-trace-id')).to.equal('Root=1-5759e988-bd862e3fe1be46a994272797;Sampled=1');
    await segmentOf('1-5759e988-bd862e3fe1be46a994272797');
  });

  it('names the version in each segment: an annotation for filter expressions, and service.version', async () => {
    const segment = await segmentOf(xrayIdOf(await fetch(stack.url('/api/activities/home'))));
    expect(segment.annotations).to.include({ version: '0.1.0+abc1234' });
    expect(segment.service).to.include({ version: '0.1.0+abc1234' });
  });

  it('never sends a probe', async () => {
    await fetch(stack.url('/health'));
    await fetch(stack.url('/ready'));
    await segmentOf(xrayIdOf(await fetch(stack.url('/api/activities/home'))));
    expect(stack.xray.segments.some((doc) => JSON.stringify(doc.http).includes('/health'))).to.equal(false);
    expect(stack.xray.malformed).to.deep.equal([]);
  });
});

describe('X-Ray segments with OpenTelemetry off', function () {
  this.timeout(30_000);
  const stack = TelemetryStack.forSuite({ OTEL_SDK_DISABLED: 'true' });

  it('still sends one segment per request, its subsegments with ids of their own', async () => {
    const res = await fetch(stack.url('/api/activities/@andrewbrown'), {
      headers: { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272796;Parent=53995c3f42cd8ad8;Sampled=1' },
    });
    expect(res.headers.get('x-amzn-trace-id')).to.equal('Root=1-5759e988-bd862e3fe1be46a994272796;Sampled=1');
    const [segment] = await stack.xray.waitForSegments((doc) => doc.trace_id === '1-5759e988-bd862e3fe1be46a994272796', 10_000);
    expect(segment).to.include({ parent_id: '53995c3f42cd8ad8' });
    expect(segment?.id).to.match(/^[0-9a-f]{16}$/);
    const subsegment = segment?.subsegments?.find((doc) => doc.name === 'user_activities');
    expect(subsegment?.id).to.match(/^[0-9a-f]{16}$/).and.not.equal(segment?.id);
    expect(subsegment?.annotations).to.deep.equal({ userhandle: 'andrewbrown', result_size: 1 });
  });
});

describe('X-Ray segments to a daemon at an IPv6 address', function () {
  this.timeout(30_000);

  it('starts with the two-address form on IPv6 literals and sends the segment over udp6', async () => {
    const daemon = createSocket('udp6');
    const received: string[] = [];
    daemon.on('message', (message) => received.push(message.toString()));
    await new Promise<void>((resolve) => daemon.bind(0, '::1', resolve));
    const port = daemon.address().port;
    const service = await startService({ AWS_XRAY_DAEMON_ADDRESS: `udp:[::1]:${port} tcp:[::1]:${port}`, OTEL_SDK_DISABLED: 'true' });
    try {
      const res = await fetch(`http://127.0.0.1:${service.port}/api/activities/home`);
      const xrayTraceId = /Root=(1-[0-9a-f]{8}-[0-9a-f]{24})/.exec(res.headers.get('x-amzn-trace-id') ?? '')?.[1] ?? '';
      const datagram = await eventually(() => received.find((text) => text.includes(xrayTraceId)), () => `segment ${xrayTraceId} over udp6`, 10_000, 20);
      expect(datagram.split('\n')[0]).to.equal('{"format":"json","version":1}');
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
      daemon.close();
    }
  });
});

