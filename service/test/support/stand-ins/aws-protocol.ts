/** What AWS API stand-ins share: SigV4 scope checks and error answers. */

/** The SigV4 credential scope a request was signed with (the signature itself is not verified). */
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

const SIGV4_AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=[^,]+, ?Signature=[0-9a-f]{64}$/;

/** Refuses an unsigned request, or one signed for another service, as AWS does. */
export function checkSignature(headers: Record<string, string>, expectedService: string): SigningScope {
  const authorization = headers.authorization;
  if (authorization === undefined) throw new ApiError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  const match = SIGV4_AUTHORIZATION.exec(authorization);
  if (!match || headers['x-amz-date'] === undefined) {
    throw new ApiError(400, 'IncompleteSignatureException', `Authorization header requires a SigV4 Credential, SignedHeaders, Signature and X-Amz-Date: ${authorization}`);
  }
  const [, accessKeyId = '', date = '', region = '', service = ''] = match;
  if (service !== expectedService) {
    throw new ApiError(403, 'InvalidSignatureException', `Credential should be scoped to correct service: '${expectedService}'.`);
  }
  return { accessKeyId, date, region, service };
}
