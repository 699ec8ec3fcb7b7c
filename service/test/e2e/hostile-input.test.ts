import { expect } from 'chai';
import { connect } from 'node:net';
import { PipelineStack } from '../support/e2e/stack';
import { eventually } from '../support/e2e/tools';
import { OtlpSpanKind } from '../support/stand-ins';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
}

/** Sends bytes as they are (fetch would refuse or re-encode them) and reads the status line and headers. */
function rawRequest(port: number, head: Buffer, body: Buffer = Buffer.alloc(0)): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer in 5 s')));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      socket.destroy();
      resolve({ status: Number(statusLine.split(' ')[1]), headers });
    });
    socket.on('error', reject);
    socket.write(Buffer.concat([head, body]));
  });
}

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))));

/** Not UTF-8: a lone continuation byte, an overlong encoding of '/', a surrogate half, 0xFF. */
const INVALID_UTF8 = [0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xff];

interface Case {
  name: string;
  send: (port: number) => Promise<RawAnswer>;
  /** The status Node's HTTP parser refuses it with, before any of the service's code (so nothing to trace). */
  refusedByParser?: 400 | 431;
}

/** A GET of `path` (raw bytes allowed) with extra header lines, on a connection of its own. */
const get =
  (path: string | Buffer, headers: string | Buffer = ''): ((port: number) => Promise<RawAnswer>) =>
  (port) =>
    rawRequest(port, Buffer.concat([bytes('GET '), Buffer.from(path), bytes(' HTTP/1.1\r\nHost: 127.0.0.1\r\n'), Buffer.from(headers), bytes('Connection: close\r\n\r\n')]));

const CASES: Case[] = [
  { name: 'traceparent of garbage', send: get('/api/activities/home', 'traceparent: 00-zzzz-yyyy-01\r\n') },
  { name: 'all-zero traceparent ids', send: get('/api/activities/home', `traceparent: 00-${'0'.repeat(32)}-${'0'.repeat(16)}-01\r\n`) },
  { name: 'traceparent of version ff', send: get('/api/activities/home', `traceparent: ff-${'a'.repeat(32)}-${'b'.repeat(16)}-01\r\n`) },
  { name: 'X-Amzn-Trace-Id with a short Root and bad Sampled', send: get('/api/activities/home', 'X-Amzn-Trace-Id: Root=1-xyz;Parent=;Sampled=7\r\n') },
  { name: 'X-Amzn-Trace-Id of separators only', send: get('/api/activities/home', 'X-Amzn-Trace-Id: ;;;===;;Root\r\n') },
  { name: 'X-Amzn-Trace-Id with a future-dated, non-hex Root', send: get('/api/activities/home', 'X-Amzn-Trace-Id: Root=1-ffffffff-zzzzzzzzzzzzzzzzzzzzzzzz;Sampled=1\r\n') },
  { name: 'an 8 KB X-Amzn-Trace-Id', send: get('/api/activities/home', `X-Amzn-Trace-Id: Root=1-${'f'.repeat(8_000)}\r\n`) },
  { name: 'an 8 KB traceparent', send: get('/api/activities/home', `traceparent: ${'x'.repeat(8_000)}\r\n`) },
  { name: '100 baggage headers', send: get('/api/activities/home', Array.from({ length: 100 }, (_, i) => `baggage: k${i}=${'v'.repeat(50)}\r\n`).join('')) },
  { name: 'invalid UTF-8 in the trace headers', send: get('/api/activities/home', bytes('traceparent: 00-', INVALID_UTF8, '\r\nX-Amzn-Trace-Id: Root=', INVALID_UTF8, '\r\n')) },
  { name: 'invalid UTF-8 in User-Agent and X-Request-Id', send: get('/api/activities/home', bytes('User-Agent: ', INVALID_UTF8, '\r\nX-Request-Id: ', INVALID_UTF8, '\r\n')) },
  // Bytes above 0x7f are not allowed in a request target: the parser answers 400.
  { name: 'invalid UTF-8 in a handle (raw bytes in the path)', send: get(bytes('/api/activities/@', INVALID_UTF8)), refusedByParser: 400 },
  { name: 'invalid UTF-8 in a handle (percent-encoded)', send: get('/api/activities/@%80%C0%AF%ED%A0%80%FF') },
  { name: 'invalid UTF-8 in a search term', send: get('/api/activities/search?term=%FF%FE') },
  {
    name: 'invalid UTF-8 inside a JSON body',
    send: (port) => {
      const body = bytes('{"message":"', INVALID_UTF8, '","ttl":"1-day"}');
      return rawRequest(port, bytes(`POST /api/activities HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`), body);
    },
  },
  // Past Node's 16 KB header limit: the parser answers 431.
  { name: 'a 64 KB header', send: get('/api/activities/home', `X-Amzn-Trace-Id: Root=1-${'a'.repeat(64_000)}\r\n`), refusedByParser: 431 },
];

describe('drill: hostile input at the edge', function () {
  this.timeout(90_000);
  const stack = new PipelineStack();
  const answers = new Map<string, RawAnswer>();

  before(async function () {
    this.timeout(60_000);
    await stack.start();
    for (const { name, send } of CASES) answers.set(name, await send(stack.service.port));
  });
  after(async () => {
    await stack.stop();
  });

  it('never answers 5xx, and keeps serving afterwards', async () => {
    for (const { name, refusedByParser } of CASES) {
      const status = answers.get(name)?.status ?? 0;
      expect(status, name).to.be.within(200, 499);
      if (refusedByParser !== undefined) expect(status, name).to.equal(refusedByParser);
    }
    expect((await fetch(stack.url('/health'))).status).to.equal(200);
    expect((await fetch(stack.url('/api/activities/home'))).status).to.equal(200);
    expect(stack.service.child.exitCode).to.equal(null);
    expect(stack.service.stderr()).to.not.match(/Unhandled|TypeError|RangeError|\n\s+at /);
  });

  it('gives every request the service answered a fresh, well-formed trace id, echoed in both headers', () => {
    for (const { name } of CASES.filter((c) => c.refusedByParser === undefined)) {
      const headers = answers.get(name)?.headers ?? {};
      expect(headers.traceresponse, name).to.match(/^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-01$/);
      const traceId = headers.traceresponse?.split('-')[1] ?? '';
      expect(headers['x-amzn-trace-id'], name).to.equal(`Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Sampled=1`);
    }
  });

  it('delivers a whole trace for each of them: server span in Honeycomb, segment in X-Ray, log line in CloudWatch', async () => {
    for (const { name } of CASES.filter((c) => c.refusedByParser === undefined)) {
      const traceId = answers.get(name)?.headers.traceresponse?.split('-')[1] ?? '';
      const spans = await stack.honeycomb.waitForSpans((span) => span.traceId === traceId, 20_000);
      expect(spans.some((span) => span.kind === OtlpSpanKind.SERVER && span.parentSpanId === undefined), `${name}: root server span`).to.equal(true);
      await stack.xray.waitForSegments((doc) => doc.trace_id === `1-${traceId.slice(0, 8)}-${traceId.slice(8)}` && doc.parent_id === undefined, 20_000);
      await eventually(
        () => stack.shippedLogs().find((line) => line.message === 'request completed' && line.trace_id === traceId),
        () => `${name}: the request line in CloudWatch`,
        20_000,
      );
    }
    expect(stack.xray.malformed).to.deep.equal([]);
  });

  it('keeps the collector healthy and Honeycomb accepting every export', async () => {
    expect((await fetch(`http://127.0.0.1:${stack.collector.ports.health}/`)).status).to.equal(200);
    expect(stack.honeycomb.requests.filter((request) => request.status !== 200)).to.deep.equal([]);
    expect(stack.collector.logLines().filter((line) => line.level === 'error' || line.level === 'warn')).to.deep.equal([]);
  });
});
