import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { flattenHeaders, HttpStandIn, readBody } from './http-server.js';
import { decodeTraceRequest, EMPTY_TRACE_RESPONSE } from './otlp-proto.js';
import { atLeast, FailurePlan, Waiters } from './recording.js';

export type AttributeValue =
  | string
  | number
  | boolean
  | bigint
  | Uint8Array
  | null
  | AttributeValue[]
  | { [key: string]: AttributeValue };

export type Attributes = Record<string, AttributeValue>;

/** OTLP's SpanKind numbering, which is the OpenTelemetry API's `SpanKind` + 1. */
export const OtlpSpanKind = { UNSPECIFIED: 0, INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
export const OtlpStatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

/** One span as a collector sees it, with its resource and scope folded in. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Absent on root spans. */
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  status: { code: number; message: string };
  events: { name: string; timeUnixNano: bigint; attributes: Attributes }[];
  resource: Attributes;
  scope: { name: string; version: string };
}

export interface ReceivedTraceRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The status the receiver answered (0 while a hung request is unanswered). */
  status: number;
  /** The decoded ExportTraceServiceRequest, in OTLP/JSON's shape. */
  body: Record<string, unknown> | undefined;
  spans: ReceivedSpan[];
  /** Why the receiver refused the request, when it did. */
  error: string | undefined;
}

/** What the receiver does instead of accepting the next request(s). */
export type OtlpFailure =
  | { kind: 'status'; status: number; retryAfterSeconds?: number }
  | { kind: 'delay'; delayMs: number }
  | { kind: 'hang' };

export interface OtlpReceiverOptions {
  /**
   * Headers every export must carry, e.g. `{ 'x-honeycomb-team': key }` to stand in for Honeycomb.
   * A request without them (or with another value) is refused with 401, as Honeycomb refuses an unknown key.
   */
  requiredHeaders?: Record<string, string>;
}

/**
 * An OTLP/HTTP traces receiver on loopback: POST /v1/traces with
 * application/x-protobuf or application/json bodies, optionally gzip-encoded.
 */
export class OtlpReceiver extends HttpStandIn {
  readonly requests: ReceivedTraceRequest[] = [];
  private readonly failures = new FailurePlan<OtlpFailure>();
  private readonly waiters = new Waiters();
  private readonly held = new Set<ServerResponse>();
  private readonly requiredHeaders: Record<string, string>;

  constructor(options: OtlpReceiverOptions = {}) {
    super();
    // Header names are case-insensitive; Node gives them lower-cased.
    this.requiredHeaders = Object.fromEntries(
      Object.entries(options.requiredHeaders ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    );
  }

  /** The URL to give OTLPTraceExporter as `url`. */
  get tracesUrl(): string {
    return `${this.server.url}/v1/traces`;
  }

  protected override beforeStop(): void {
    this.releaseHeld();
  }

  reset(): void {
    this.requests.length = 0;
    this.failures.clear();
    this.releaseHeld();
  }

  /** The next `count` requests get `failure` instead of an immediate 200. */
  failNext(count: number, failure: OtlpFailure): void {
    this.failures.add(count, failure);
  }

  /** Spans of every request the receiver accepted, in arrival order. */
  spans(): ReceivedSpan[] {
    return this.requests.filter((r) => r.status === 200).flatMap((r) => r.spans);
  }

  /** Resolves with the accepted spans matching `predicate` once there are at least `count`. */
  waitForSpans(predicate: (span: ReceivedSpan) => boolean, timeoutMs = 5000, count = 1): Promise<ReceivedSpan[]> {
    return this.waiters.waitFor(
      () => atLeast(this.spans(), predicate, count),
      timeoutMs,
      () => `${count} matching span(s); received: [${this.spans().map((s) => s.name).join(', ')}]`,
    );
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const record: ReceivedTraceRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: flattenHeaders(req),
      status: 0,
      body: undefined,
      spans: [],
      error: undefined,
    };
    this.requests.push(record);

    if (record.method !== 'POST' || record.path !== '/v1/traces') {
      this.answer(res, record, 404, 'text/plain', 'not found');
      return;
    }
    const missing = Object.entries(this.requiredHeaders).find(([name, value]) => record.headers[name] !== value);
    if (missing) {
      record.error = `missing or wrong ${missing[0]} header`;
      this.answer(res, record, 401, 'application/json', JSON.stringify({ message: record.error }));
      return;
    }
    const json = isJson(record.headers['content-type']);
    try {
      ({ body: record.body, spans: record.spans } = decodeTraceExport(body, record.headers));
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
      const status = error instanceof UnsupportedMediaType ? 415 : 400;
      this.answer(res, record, status, 'text/plain', record.error);
      return;
    }

    const failure = this.failures.take();
    if (failure?.kind === 'hang') {
      this.held.add(res);
      return;
    }
    if (failure?.kind === 'status') {
      if (failure.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(failure.retryAfterSeconds));
      this.answer(res, record, failure.status, 'text/plain', 'injected failure');
      return;
    }
    if (failure?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
    if (json) this.answer(res, record, 200, 'application/json', '{}');
    else this.answer(res, record, 200, 'application/x-protobuf', EMPTY_TRACE_RESPONSE);
  }

  private answer(
    res: ServerResponse,
    record: ReceivedTraceRequest,
    status: number,
    contentType: string,
    body: string | Uint8Array,
  ): void {
    record.status = status;
    res.writeHead(status, { 'content-type': contentType }).end(body);
    this.waiters.notify();
  }

  private releaseHeld(): void {
    for (const res of this.held) res.destroy();
    this.held.clear();
  }
}

/** A body in neither of OTLP/HTTP's encodings (or compressed in a way it does not use). */
export class UnsupportedMediaType extends Error {}

export function isJson(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim() === 'application/json';
}

/**
 * An OTLP/HTTP traces export's body (protobuf or JSON, gzip or not, as its headers say), decoded and flattened
 * into spans. Throws UnsupportedMediaType for an encoding OTLP does not use, any other error for a malformed body.
 */
export function decodeTraceExport(raw: Buffer, headers: Record<string, string>): { body: Record<string, unknown>; spans: ReceivedSpan[] } {
  const body = decodeBody(raw, headers);
  return { body, spans: flattenSpans(body) };
}

function decodeBody(raw: Buffer, headers: Record<string, string>): Record<string, unknown> {
  const encoding = headers['content-encoding'] ?? 'identity';
  if (encoding !== 'identity' && encoding !== 'gzip') throw new UnsupportedMediaType(`unsupported content-encoding ${encoding}`);
  const body = encoding === 'gzip' ? gunzipSync(raw) : raw;
  const contentType = headers['content-type']?.split(';')[0]?.trim();
  if (contentType === 'application/x-protobuf') return decodeTraceRequest(body);
  if (contentType === 'application/json') return record(JSON.parse(body.toString('utf8')));
  throw new UnsupportedMediaType(`unsupported content-type ${contentType ?? '(none)'}`);
}

/** Flattens ResourceSpans > ScopeSpans > Span, accepting both the protobuf-decoded and the OTLP/JSON shape. */
function flattenSpans(request: Record<string, unknown>): ReceivedSpan[] {
  return list(request.resourceSpans).flatMap((resourceSpans) => {
    const rs = record(resourceSpans);
    const resource = attributes(record(rs.resource).attributes);
    return list(rs.scopeSpans).flatMap((scopeSpans) => {
      const ss = record(scopeSpans);
      const scope = record(ss.scope);
      const scopeInfo = { name: text(scope.name), version: text(scope.version) };
      return list(ss.spans).map((raw) => toSpan(record(raw), resource, scopeInfo));
    });
  });
}

function toSpan(span: Record<string, unknown>, resource: Attributes, scope: ReceivedSpan['scope']): ReceivedSpan {
  const status = record(span.status);
  const parent = hexId(span.parentSpanId);
  return {
    traceId: hexId(span.traceId),
    spanId: hexId(span.spanId),
    parentSpanId: parent === '' ? undefined : parent,
    name: text(span.name),
    kind: Number(span.kind ?? 0),
    startTimeUnixNano: nanos(span.startTimeUnixNano),
    endTimeUnixNano: nanos(span.endTimeUnixNano),
    attributes: attributes(span.attributes),
    status: { code: Number(status.code ?? 0), message: text(status.message) },
    events: list(span.events).map((raw) => {
      const event = record(raw);
      return { name: text(event.name), timeUnixNano: nanos(event.timeUnixNano), attributes: attributes(event.attributes) };
    }),
    resource,
    scope,
  };
}

function attributes(keyValues: unknown): Attributes {
  const result: Attributes = {};
  for (const raw of list(keyValues)) {
    const kv = record(raw);
    result[text(kv.key)] = anyValue(kv.value);
  }
  return result;
}

function anyValue(raw: unknown): AttributeValue {
  const v = record(raw);
  if (v.stringValue !== undefined) return text(v.stringValue);
  if (v.boolValue !== undefined) return v.boolValue === true;
  if (v.intValue !== undefined) {
    const big = BigInt(v.intValue as string | number);
    return big >= Number.MIN_SAFE_INTEGER && big <= Number.MAX_SAFE_INTEGER ? Number(big) : big;
  }
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.arrayValue !== undefined) return list(record(v.arrayValue).values).map(anyValue);
  if (v.kvlistValue !== undefined) return attributes(record(v.kvlistValue).values);
  if (v.bytesValue !== undefined) {
    // OTLP/JSON carries bytes as base64.
    return typeof v.bytesValue === 'string' ? Buffer.from(v.bytesValue, 'base64') : (v.bytesValue as Uint8Array);
  }
  return null;
}

/** Protobuf ids arrive as bytes, OTLP/JSON ids as hex strings. */
function hexId(raw: unknown): string {
  if (raw instanceof Uint8Array) return Buffer.from(raw).toString('hex');
  return typeof raw === 'string' ? raw.toLowerCase() : '';
}

function nanos(raw: unknown): bigint {
  return typeof raw === 'string' || typeof raw === 'number' ? BigInt(raw) : 0n;
}

function text(raw: unknown): string {
  return typeof raw === 'string' ? raw : '';
}

function list(raw: unknown): unknown[] {
  return Array.isArray(raw) ? (raw as unknown[]) : [];
}

function record(raw: unknown): Record<string, unknown> {
  return typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
}
