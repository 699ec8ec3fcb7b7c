import { request as httpRequest } from 'node:http';
import { expect } from 'chai';
import { traceIdFraction } from '../../../src/telemetry/sampling/keep-policy';
import { OtlpSpanKind } from '../../support/stand-ins';
import { TelemetryStack } from '../../support/telemetry-stack';

/**
 * The one keep-or-drop decision, told by the built service to the OTLP receiver and the X-Ray daemon stand-in at
 * once, for every form of caller header. 1 in 10 ordinary requests kept, slower than 300 ms kept, and a caller
 * budget so small (one forced keep, then one per 1,000 s) that only the first forced keep of a process is honoured.
 */
const SAMPLING = { TRACES_KEEP_SHARE: '0.1', TRACES_KEEP_SLOWER_THAN_MS: '300', TRACES_CALLER_KEEPS_PER_SECOND: '0.001' };
const PARENT = '53995c3f42cd8ad8';

/** A trace id of the case's own (n), whose random end falls inside or outside the 1-in-10 share. */
function traceId(n: number, share: 'in' | 'out'): string {
  return `5759e988${n.toString(16).padStart(11, '0')}${share === 'in' ? '0000000000001' : 'fffffffffffff'}`;
}
const w3c = (id: string, flags: '00' | '01') => ({ traceparent: `00-${id}-${PARENT}-${flags}` });
const xray = (id: string, tail: string) => ({ 'x-amzn-trace-id': `Root=1-${id.slice(0, 8)}-${id.slice(8)}${tail}` });

interface Case {
  name: string;
  path?: string;
  headers?: (id: string) => Record<string, string>;
  share: 'in' | 'out';
  /** The SampleRate of a kept request's spans, or false for a dropped one. */
  kept: number | false;
  slowBody?: boolean;
}

/** In order: the first forced keep spends the caller budget. */
const CASES: Case[] = [
  { name: 'a W3C caller forcing a keep (flags 01), within the budget: kept whole', headers: (id) => w3c(id, '01'), share: 'out', kept: 1 },
  { name: 'a W3C caller forcing a keep over the budget, outside the share: dropped', headers: (id) => w3c(id, '01'), share: 'out', kept: false },
  { name: 'a W3C caller forcing a keep over the budget, inside the share: kept for 10', headers: (id) => w3c(id, '01'), share: 'in', kept: 10 },
  { name: 'an X-Ray caller forcing a keep (Sampled=1) over the budget, outside the share: dropped', headers: (id) => xray(id, `;Parent=${PARENT};Sampled=1`), share: 'out', kept: false },
  { name: 'an X-Ray caller forcing a keep over the budget, inside the share: kept for 10', headers: (id) => xray(id, `;Parent=${PARENT};Sampled=1`), share: 'in', kept: 10 },
  { name: 'a W3C caller not sampling (flags 00), inside the share: kept for 10', headers: (id) => w3c(id, '00'), share: 'in', kept: 10 },
  { name: 'a W3C caller not sampling, outside the share: dropped', headers: (id) => w3c(id, '00'), share: 'out', kept: false },
  { name: 'an X-Ray caller not sampling (Sampled=0), inside the share: kept for 10', headers: (id) => xray(id, `;Parent=${PARENT};Sampled=0`), share: 'in', kept: 10 },
  { name: 'an X-Ray caller not sampling, outside the share: dropped', headers: (id) => xray(id, `;Parent=${PARENT};Sampled=0`), share: 'out', kept: false },
  { name: 'an X-Ray caller leaving the decision open (Sampled=?), outside the share: dropped', headers: (id) => xray(id, `;Parent=${PARENT};Sampled=?`), share: 'out', kept: false },
  { name: "the ALB's Root-only header, inside the share: kept for 10 under the ALB's trace id", headers: (id) => xray(id, ''), share: 'in', kept: 10 },
  { name: "the ALB's Root-only header, outside the share: dropped", headers: (id) => xray(id, ''), share: 'out', kept: false },
  { name: 'a 500 with no trace header: kept whole', path: '/debug/error', share: 'out', kept: 1 },
  { name: 'a 500 whose W3C caller is over the budget, outside the share: kept whole', path: '/debug/error', headers: (id) => w3c(id, '01'), share: 'out', kept: 1 },
  { name: 'a 500 whose X-Ray caller is not sampling, outside the share: kept whole', path: '/debug/error', headers: (id) => xray(id, `;Parent=${PARENT};Sampled=0`), share: 'out', kept: 1 },
  { name: 'a request slower than the threshold (its client takes 400 ms to send the body), outside the share: kept whole', path: '/api/activities', headers: (id) => w3c(id, '00'), share: 'out', kept: 1, slowBody: true },
];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/** A request through node:http, its body sent in two halves 400 ms apart when `slowBody`: a slow client. */
function call(port: number, path: string, headers: Record<string, string>, slowBody: boolean): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = slowBody ? JSON.stringify({ message: 'a slow upload', ttl: '1-day' }) : undefined;
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', headers: { ...headers, ...(body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}) } },
      (res) => {
        res.resume();
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    if (!body) {
      req.end();
      return;
    }
    req.write(body.slice(0, 10));
    setTimeout(() => req.end(body.slice(10)), 400);
  });
}

function answeredTrace(answer: Answer): { traceId: string; flag: string; xraySampled: string } {
  const [, traceId = '', , flag = ''] = String(answer.headers.traceresponse).split('-');
  const xraySampled = /;Sampled=([01])$/.exec(String(answer.headers['x-amzn-trace-id']))?.[1] ?? '';
  return { traceId, flag, xraySampled };
}

describe('the keep-or-drop decision, for OpenTelemetry and X-Ray alike (built service → stand-ins)', function () {
  this.timeout(60_000);
  const stack = TelemetryStack.forSuite(SAMPLING);
  const answers = new Map<string, { answer: Answer; traceId: string }>();

  before(async function () {
    for (const [n, testCase] of CASES.entries()) {
      const id = traceId(n + 1, testCase.share);
      const answer = await call(stack.service.port, testCase.path ?? '/api/activities/home', testCase.headers?.(id) ?? {}, testCase.slowBody === true);
      answers.set(testCase.name, { answer, traceId: answeredTrace(answer).traceId });
    }
    // A last kept request: once its span and segment are in, everything kept before it is too (sent in order).
    const sentinel = answeredTrace(await call(stack.service.port, '/debug/error', {}, false)).traceId;
    await stack.otlp.waitForSpans((span) => span.traceId === sentinel && span.kind === OtlpSpanKind.SERVER, 10_000);
    await stack.xray.waitForSegments((doc) => doc.trace_id === `1-${sentinel.slice(0, 8)}-${sentinel.slice(8)}`, 10_000);
  });

  for (const testCase of CASES) {
    it(testCase.name, () => {
      const recorded = answers.get(testCase.name);
      if (!recorded) throw new Error('no answer recorded');
      const { answer, traceId: answeredId } = recorded;
      const { flag, xraySampled } = answeredTrace(answer);
      if (testCase.headers) expect(answeredId, 'the caller’s trace id').to.equal(traceId(CASES.indexOf(testCase) + 1, testCase.share));
      const spans = stack.otlp.spans().filter((span) => span.traceId === answeredId);
      const segments = stack.xray.segments.filter((doc) => doc.trace_id === `1-${answeredId.slice(0, 8)}-${answeredId.slice(8)}`);
      const kept = testCase.kept !== false;
      expect({ flag, xraySampled }, 'what the answer says of the decision').to.deep.equal({ flag: kept ? '01' : '00', xraySampled: kept ? '1' : '0' });
      expect(segments, 'X-Ray segments').to.have.length(kept ? 1 : 0);
      if (!kept) {
        expect(spans, 'spans').to.deep.equal([]);
        return;
      }
      expect(spans.map((span) => span.kind)).to.include(OtlpSpanKind.SERVER);
      expect(spans.length, 'the server span and the service span').to.be.at.least(testCase.path === '/debug/error' ? 1 : 2);
      expect(spans.map((span) => span.attributes.SampleRate)).to.deep.equal(spans.map(() => testCase.kept));
      expect(segments[0]?.fault === true).to.equal(answer.status >= 500);
    });
  }

  it('decides a request with no trace header by its new trace id, like any other', async () => {
    const answer = await call(stack.service.port, '/api/activities/home', {}, false);
    const { traceId: id, flag } = answeredTrace(answer);
    expect(flag).to.equal(traceIdFraction(id) < 0.1 ? '01' : '00');
  });
});

describe('the caller budget, in the X-Ray header form', function () {
  this.timeout(30_000);
  const stack = TelemetryStack.forSuite(SAMPLING);

  it('keeps an X-Ray caller’s forced keep (Sampled=1) whole while the budget lasts, and no second one', async () => {
    const first = traceId(1, 'out');
    const second = traceId(2, 'out');
    const answers = [await call(stack.service.port, '/api/activities/home', xray(first, `;Parent=${PARENT};Sampled=1`), false)];
    answers.push(await call(stack.service.port, '/api/activities/home', xray(second, `;Parent=${PARENT};Sampled=1`), false));
    expect(answers.map((answer) => answeredTrace(answer).xraySampled)).to.deep.equal(['1', '0']);
    const spans = await stack.otlp.waitForSpans((span) => span.traceId === first, 10_000, 2);
    expect(spans.map((span) => span.attributes.SampleRate)).to.deep.equal([1, 1]);
    const [segment] = await stack.xray.waitForSegments((doc) => doc.trace_id === `1-${first.slice(0, 8)}-${first.slice(8)}`, 10_000);
    expect(segment).to.include({ parent_id: PARENT });
  });
});
