import type { IncomingMessage, ServerResponse } from 'node:http';
import { expect } from 'chai';
import { type RequestSegment, requestSegmentFactory } from '../../src/telemetry/xray-segment';

process.env.AWS_XRAY_MANUAL_MODE = 'true';
/* eslint-disable @typescript-eslint/no-require-imports -- manual mode must be set before the SDK loads */
const sdk = require('aws-xray-sdk-core') as typeof import('aws-xray-sdk-core');
const sdkEmitter = require('aws-xray-sdk-core/dist/lib/segment_emitter') as typeof import('aws-xray-sdk-core/dist/lib/segment_emitter');
/* eslint-enable @typescript-eslint/no-require-imports */

type Segment = InstanceType<typeof sdk.Segment>;
type Subsegment = InstanceType<typeof sdk.Subsegment>;

const TRACE_ID = '1-5759e988-bd862e3fe1be46a994272793';
const SEGMENT_ID = '53995c3f42cd8ad8';
const CALLER_ID = '0123456789abcdef';
const SUBSEGMENT_IDS = ['1111111111111111', '2222222222222222'];

const request = {
  method: 'POST',
  url: '/api/activities',
  headers: { host: 'api.cruddur.test', 'user-agent': 'mocha', 'x-forwarded-for': '203.0.113.7' },
  socket: { remoteAddress: '127.0.0.1' },
  connection: { remoteAddress: '127.0.0.1' },
} as unknown as IncomingMessage;
const response = { statusCode: 500, headers: {} } as unknown as ServerResponse;
// One instance each, so both kinds of segment record the same stack.
const storeDown = new Error('the mock store is down');
const deliberate = new Error('Deliberate error');

/** What the service records on a request, done the same way to either kind of segment. */
function record(segment: Segment, addSubsegment: (name: string, id: string) => Subsegment): void {
  segment.addIncomingRequestData(new sdk.middleware.IncomingRequestData(request));
  const created = addSubsegment('create_activity', SUBSEGMENT_IDS[0] ?? '');
  created.addMetadata('userhandle', 'andrewbrown', 'activity');
  created.addMetadata('result-size', 1, 'activity');
  created.addAnnotation('userhandle', 'andrewbrown');
  created.close();
  const failed = addSubsegment('show_activity', SUBSEGMENT_IDS[1] ?? '');
  failed.close(storeDown);
  segment.addError(deliberate);
  segment.addFaultFlag();
  segment.addAnnotation('route', '/api/activities');
  (segment as Segment & { http: { close(res: ServerResponse): void } }).http.close(response);
  segment.close();
}

/** Times and exception ids are drawn at random or read from the clock: equal in shape, not in value. */
function comparable(document: unknown): unknown {
  return JSON.parse(JSON.stringify(document), (key, value: unknown) => {
    if (key === 'start_time' || key === 'end_time') return typeof value === 'number' ? 'time' : value;
    if (key === 'id' && typeof value === 'string' && !SUBSEGMENT_IDS.includes(value) && value !== SEGMENT_ID) return 'random';
    return value;
  }) as unknown;
}

/** The document the SDK's own emitter is handed when a segment closes. */
function sentBy(send: (capture: (segment: Segment) => void) => void): Record<string, unknown> {
  let sent: string | undefined;
  send((segment) => (sent = segment.format()));
  expect(sent, 'a document was sent').to.be.a('string');
  return JSON.parse(sent ?? '{}') as Record<string, unknown>;
}

function sdkDocument(ids: { parentId?: string; rule?: string }): Record<string, unknown> {
  return sentBy((capture) => {
    const original = sdkEmitter.send;
    sdkEmitter.send = capture;
    try {
      const segment = new sdk.Segment('cruddur-backend', TRACE_ID, ids.parentId);
      segment.id = SEGMENT_ID;
      if (ids.rule) segment.setMatchedSamplingRule(ids.rule);
      record(segment, (name, id) => Object.assign(segment.addNewSubsegment(name), { id }));
    } finally {
      sdkEmitter.send = original;
    }
  });
}

function ourDocument(ids: { parentId?: string; rule?: string }): Record<string, unknown> {
  return sentBy((capture) => {
    const newSegment = requestSegmentFactory(sdk, { ...sdkEmitter, send: capture });
    const segment: RequestSegment = newSegment('cruddur-backend', { traceId: TRACE_ID, id: SEGMENT_ID, ...ids });
    record(segment, (name, id) => segment.openSubsegment(name, id));
  });
}

describe('request segments (the SDK classes with given ids and one serialization)', () => {
  it('send the document the SDK sends, for a caller-parented request chosen by a rule', () => {
    const ids = { parentId: CALLER_ID, rule: 'Cruddur' };
    const ours = ourDocument(ids);
    expect(comparable(ours)).to.deep.equal(comparable(sdkDocument(ids)));
    expect(ours).to.include({ trace_id: TRACE_ID, id: SEGMENT_ID, parent_id: CALLER_ID, fault: true });
    expect(ours.aws).to.have.nested.property('xray.rule_name', 'Cruddur');
    expect((ours.subsegments as { id: string }[]).map((s) => s.id)).to.deep.equal(SUBSEGMENT_IDS);
  });

  it('send the document the SDK sends for a request without a caller or a rule', () => {
    const ours = ourDocument({});
    expect(comparable(ours)).to.deep.equal(comparable(sdkDocument({})));
    expect(ours).to.not.have.property('parent_id');
    expect(ours).to.not.have.nested.property('aws.xray.rule_name');
  });

  it('leave the SDK data shared by all segments untouched when naming the rule', () => {
    const newSegment = requestSegmentFactory(sdk, { ...sdkEmitter, send: () => undefined });
    const chosen = newSegment('cruddur-backend', { traceId: TRACE_ID, id: SEGMENT_ID, rule: 'Cruddur' });
    const plain = newSegment('cruddur-backend', { traceId: TRACE_ID, id: SEGMENT_ID });
    expect(chosen.format()).to.include('"rule_name":"Cruddur"');
    expect(plain.format()).to.not.include('rule_name');
  });

  it('describe themselves in one short line, not a second serialization', () => {
    const segment = requestSegmentFactory(sdk, sdkEmitter)('cruddur-backend', { traceId: TRACE_ID, id: SEGMENT_ID });
    expect(String(segment)).to.equal(`segment ${SEGMENT_ID}`);
  });
});
