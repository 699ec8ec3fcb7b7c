/** What AWS API stand-ins share: SigV4 scope checks, signature verification and error answers. */
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** The SigV4 credential scope a request was signed with (checkSignature reads it; verifySignature also verifies it). */
export interface SigningScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

/** One call an AWS API stand-in received, and what it answered. */
export interface AwsCall {
  /** The API operation, from `X-Amz-Target` (JSON 1.1 APIs) or the path (REST APIs). */
  operation: string;
  input: Record<string, unknown>;
  headers: Record<string, string>;
  /** The status answered; 0 while a hung call is unanswered. */
  status: number;
  /** The error type answered, if any. */
  errorType: string | undefined;
  signedWith: SigningScope | undefined;
}

/** An AWS error answer with its HTTP status and error type (how it is written depends on the protocol). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const SIGV4_AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/** Refuses an unsigned request, or one signed for another service, as AWS does. */
export function checkSignature(headers: Record<string, string>, expectedService: string): SigningScope {
  const { scope } = parseAuthorization(headers, expectedService);
  return scope;
}

function parseAuthorization(
  headers: Record<string, string>,
  expectedService: string,
): { scope: SigningScope; signedHeaders: string[]; signature: string } {
  const authorization = headers.authorization;
  if (authorization === undefined) throw new ApiError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  const match = SIGV4_AUTHORIZATION.exec(authorization);
  if (!match || headers['x-amz-date'] === undefined) {
    throw new ApiError(400, 'IncompleteSignatureException', `Authorization header requires a SigV4 Credential, SignedHeaders, Signature and X-Amz-Date: ${authorization}`);
  }
  const [, accessKeyId = '', date = '', region = '', service = '', signedHeaders = '', signature = ''] = match;
  if (service !== expectedService) {
    throw new ApiError(403, 'InvalidSignatureException', `Credential should be scoped to correct service: '${expectedService}'.`);
  }
  return { scope: { accessKeyId, date, region, service }, signedHeaders: signedHeaders.split(';'), signature };
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials (IRSA, EKS Pod Identity) come with one; the request must carry it. */
  sessionToken?: string;
}

/** A request as a stand-in received it: the path with its query, the headers as flattenHeaders gives them. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface VerifyOptions {
  service: string;
  /** The endpoint's region: a request signed for another one is refused. */
  region: string;
  /** The only credentials the stand-in knows, as an account knows its keys. */
  credentials: AwsCredentials;
  /** The stand-in's clock, for tests of the verifier itself. */
  now?: Date;
}

/**
 * How far X-Amz-Date may be from the service's clock. "In most cases, a request must reach AWS within five
 * minutes of the time stamp in the request. Otherwise, AWS denies the request." (IAM User Guide, Signing AWS API
 * requests: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_aws-signing.html)
 */
export const MAX_REQUEST_SKEW_MS = 5 * 60 * 1000;

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * Verifies a SigV4-signed request for real, as an AWS endpoint does: the scope's service and region, the access key
 * (and session token), the date against the clock and the credential scope, then the signature itself, recomputed
 * from the stand-in's own copy of the secret with the AWS SDK's signer (`@smithy/signature-v4`) over the headers
 * the request says it signed and the body as it arrived.
 *
 * Refusals, as REST JSON services such as X-Ray answer them (403 with the type in `x-amzn-ErrorType`):
 * - host not among the signed headers: 400 `IncompleteSignatureException` "'Host' or ':authority' must be a
 *   'SignedHeader' in the AWS Authorization." (https://github.com/aws/aws-sdk-php/issues/2469)
 * - wrong service: `InvalidSignatureException` "Credential should be scoped to correct service: 'xray'."
 * - wrong region: `InvalidSignatureException` "Credential should be scoped to a valid region, not 'eu-west-1'."
 *   (403 from a restJson1 service: https://github.com/aws/aws-sdk-js-v3/issues/5576)
 * - unknown key or token: `UnrecognizedClientException` "The security token included in the request is invalid."
 *   (what the collector reports from the OTLP endpoint with bad credentials, CloudWatch User Guide, OTLP
 *   troubleshooting: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-OTLPTroubleshooting.html)
 * - stale or early date: `InvalidSignatureException` "Signature expired: <date> is now earlier than <now - 5 min>
 *   (<now> - 5 min.)" (the wording AWS answers, e.g. https://github.com/aws/aws-sdk-php/issues/1780), or "Signature
 *   not yet current: …". JSON 1.0/1.1 services answer it with 400 (that issue); no source says what X-Ray's REST
 *   front end answers, so the stand-in keeps the 403 of its other signature refusals.
 * - scope date other than X-Amz-Date's day: `InvalidSignatureException`; "If the dates don't match, AWS rejects the
 *   request" (General Reference, Handling dates in Signature Version 4:
 *   https://docs.aws.amazon.com/general/latest/gr/sigv4-date-handling.html)
 * - any other difference: `InvalidSignatureException` "The request signature we calculated does not match the
 *   signature you provided. …", the body X-Ray's endpoint answers
 *   (https://github.com/aws-observability/aws-otel-collector/issues/2159).
 */
export async function verifySignature(request: ReceivedRequest, options: VerifyOptions): Promise<SigningScope> {
  const { headers } = request;
  const { scope, signedHeaders, signature } = parseAuthorization(headers, options.service);
  if (!signedHeaders.includes('host')) {
    // A signature that leaves the host out could be replayed at another endpoint.
    throw new ApiError(400, 'IncompleteSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (scope.region !== options.region) {
    throw new ApiError(403, 'InvalidSignatureException', `Credential should be scoped to a valid region, not '${scope.region}'.`);
  }
  const { credentials } = options;
  if (scope.accessKeyId !== credentials.accessKeyId || headers['x-amz-security-token'] !== credentials.sessionToken) {
    throw new ApiError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
  const amzDate = headers['x-amz-date'] ?? '';
  const signedAt = parseAmzDate(amzDate);
  if (scope.date !== amzDate.slice(0, 8)) {
    throw new ApiError(
      403,
      'InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scope.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  checkSkew(amzDate, signedAt, options.now ?? new Date());
  const expected = await recomputeSignature(request, signedHeaders, signedAt, options);
  if (expected === undefined || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
    throw new ApiError(
      403,
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return scope;
}

function parseAmzDate(amzDate: string): Date {
  const match = AMZ_DATE.exec(amzDate);
  if (!match) throw new ApiError(400, 'IncompleteSignatureException', `X-Amz-Date must be in the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z': ${amzDate}`);
  const [year = 0, month = 1, day, hour, minute, second] = match.slice(1).map(Number);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}

function checkSkew(amzDate: string, signedAt: Date, now: Date): void {
  const stamp = (date: Date): string => date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  if (signedAt.getTime() < now.getTime() - MAX_REQUEST_SKEW_MS) {
    const earliest = stamp(new Date(now.getTime() - MAX_REQUEST_SKEW_MS));
    throw new ApiError(403, 'InvalidSignatureException', `Signature expired: ${amzDate} is now earlier than ${earliest} (${stamp(now)} - 5 min.)`);
  }
  if (signedAt.getTime() > now.getTime() + MAX_REQUEST_SKEW_MS) {
    const latest = stamp(new Date(now.getTime() + MAX_REQUEST_SKEW_MS));
    throw new ApiError(403, 'InvalidSignatureException', `Signature not yet current: ${amzDate} is still later than ${latest} (${stamp(now)} + 5 min.)`);
  }
}

/**
 * The signature the SDK's signer computes for this request: only the headers the request lists as signed (a
 * listed header that is missing changes it), the payload hashed from the body as received. Undefined when the
 * request's X-Amz-Content-Sha256 is not the body's hash: the canonical request AWS builds hashes the payload it got.
 */
async function recomputeSignature(
  request: ReceivedRequest,
  signedHeaders: string[],
  signedAt: Date,
  options: VerifyOptions,
): Promise<string | undefined> {
  const claimedHash = request.headers['x-amz-content-sha256'];
  if (claimedHash !== undefined && claimedHash !== createHash('sha256').update(request.body).digest('hex')) return undefined;
  const url = new URL(request.path, 'http://stand-in');
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const headers = Object.fromEntries(
    signedHeaders.flatMap((name) => {
      const value = request.headers[name];
      return value === undefined ? [] : [[name, value]];
    }),
  );
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: options.service,
    sha256: NodeSha256,
    uriEscapePath: true,
    // The signer would add and sign X-Amz-Content-Sha256 by default: only what the request signed counts.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: url.hostname, path: url.pathname, query, headers, body: request.body },
    { signingDate: signedAt, signableHeaders: new Set(signedHeaders) },
  );
  return /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization))?.[1];
}

/** SHA-256 and HMAC-SHA256 from node:crypto, in the shape the SDK's signer takes (`new sha256(secret?)`). */
export class NodeSha256 {
  private readonly hash: { update(data: Uint8Array): unknown; digest(): Buffer };

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** Answers as a REST JSON AWS service (X-Ray): a JSON body, a request id, and the error type in its header. */
export function answerRestJson(res: ServerResponse, status: number, body: object, errorType?: string): void {
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-requestid': randomUUID(),
      ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
    })
    .end(JSON.stringify(body));
}
