import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerRestJson, ApiError, type AwsCredentials, type SigningScope, verifySignature } from './aws-protocol.js';
import { flattenHeaders, HttpStandIn, readBody } from './http-server.js';
import { EMPTY_TRACE_RESPONSE } from './otlp-proto.js';
import { decodeTraceExport, isJson, type ReceivedSpan, UnsupportedMediaType } from './otlp-receiver.js';
import { atLeast, Waiters } from './recording.js';

/** A span X-Ray's OTLP endpoint accepted, with the SigV4 scope of the request that carried it. */
export interface XRayOtlpSpan extends ReceivedSpan {
  signedWith: SigningScope;
}

/** One request the endpoint received, and what it answered. */
export interface XRayOtlpRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The status answered. */
  status: number;
  /** The error type answered (`x-amzn-ErrorType`) when the signature was refused. */
  errorType: string | undefined;
  /** Why the request was refused, when it was. */
  error: string | undefined;
  /** The scope of a signature that verified. */
  signedWith: SigningScope | undefined;
  spans: ReceivedSpan[];
}

export interface XRayOtlpOptions {
  /** The credentials the stand-in's account knows: every request must be signed with them. */
  credentials: AwsCredentials;
  /** The endpoint's region, as in `https://xray.<region>.amazonaws.com/v1/traces`. */
  region?: string;
}

/**
 * X-Ray's OTLP traces endpoint (`https://xray.<region>.amazonaws.com/v1/traces`, OTLP/HTTP, SigV4 for service
 * `xray`: AWS X-Ray Developer Guide, OpenTelemetry Protocol (OTLP) Endpoint,
 * https://docs.aws.amazon.com/xray/latest/devguide/xray-opentelemetry.html) on loopback.
 *
 * Every request's signature is verified for real (verifySignature): recomputed from the stand-in's credentials
 * with the AWS SDK's signer, and refused as X-Ray refuses it (403 with a JSON `message` and `x-amzn-ErrorType`)
 * when it differs, is scoped to another service or region, or is dated more than 5 minutes from the clock. Spans of
 * requests that verify are decoded as the OTLP receiver decodes them (protobuf or JSON, gzip or none: the payload
 * formats and compressions the endpoint accepts, CloudWatch User Guide, OTLP Endpoints,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-OTLPEndpoint.html) and recorded with
 * the signing scope. The endpoint's size, count and timestamp limits on that page are not enforced.
 */
export class XRayOtlp extends HttpStandIn {
  readonly requests: XRayOtlpRequest[] = [];
  private readonly waiters = new Waiters();
  private readonly credentials: AwsCredentials;
  readonly region: string;

  constructor(options: XRayOtlpOptions) {
    super();
    this.credentials = options.credentials;
    this.region = options.region ?? 'us-east-1';
  }

  /** The URL to give the OTLP/HTTP exporter as its traces endpoint. */
  get tracesUrl(): string {
    return `${this.url}/v1/traces`;
  }

  reset(): void {
    this.requests.length = 0;
  }

  /** Spans of every request the endpoint accepted, in arrival order, with the scope they were signed with. */
  spans(): XRayOtlpSpan[] {
    return this.requests.flatMap((r) => (r.status === 200 && r.signedWith ? r.spans.map((s) => ({ ...s, signedWith: r.signedWith as SigningScope })) : []));
  }

  /** Resolves with the accepted spans matching `predicate` once there are at least `count`. */
  waitForSpans(predicate: (span: XRayOtlpSpan) => boolean, timeoutMs = 5000, count = 1): Promise<XRayOtlpSpan[]> {
    return this.waiters.waitFor(
      () => atLeast(this.spans(), predicate, count),
      timeoutMs,
      () => `${count} matching span(s); received: [${this.spans().map((s) => s.name).join(', ')}]`,
    );
  }

  /** Resolves with the requests (accepted or refused) matching `predicate` once there are at least `count`. */
  waitForRequests(predicate: (request: XRayOtlpRequest) => boolean, timeoutMs = 5000, count = 1): Promise<XRayOtlpRequest[]> {
    return this.waiters.waitFor(
      () => atLeast(this.requests, predicate, count),
      timeoutMs,
      () => `${count} matching request(s); answered: [${this.requests.map((r) => `${r.status} ${r.errorType ?? ''}`).join(', ')}]`,
    );
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const record: XRayOtlpRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: flattenHeaders(req),
      status: 0,
      errorType: undefined,
      error: undefined,
      signedWith: undefined,
      spans: [],
    };
    this.requests.push(record);
    try {
      record.signedWith = await verifySignature(
        { method: record.method, path: record.path, headers: record.headers, body },
        { service: 'xray', region: this.region, credentials: this.credentials },
      );
    } catch (error) {
      const refusal = error instanceof ApiError ? error : new ApiError(500, 'InternalFailure', String(error));
      record.errorType = refusal.type;
      record.error = refusal.message;
      this.answer(record, refusal.status, () => {
        answerRestJson(res, refusal.status, { message: refusal.message }, refusal.type);
      });
      return;
    }
    if (record.method !== 'POST' || record.path !== '/v1/traces') {
      record.error = `no route for ${record.method} ${record.path}`;
      this.answer(record, 404, () => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'));
      return;
    }
    try {
      record.spans = decodeTraceExport(body, record.headers).spans;
    } catch (error) {
      // X-Ray does not document how it answers a malformed export: the stand-in answers as the OTLP receiver does.
      record.error = error instanceof Error ? error.message : String(error);
      const status = error instanceof UnsupportedMediaType ? 415 : 400;
      this.answer(record, status, () => res.writeHead(status, { 'content-type': 'text/plain' }).end(record.error));
      return;
    }
    const json = isJson(record.headers['content-type']);
    this.answer(record, 200, () =>
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : EMPTY_TRACE_RESPONSE),
    );
  }

  private answer(record: XRayOtlpRequest, status: number, write: () => void): void {
    record.status = status;
    write();
    this.waiters.notify();
  }
}
