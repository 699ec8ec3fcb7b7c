import { STATUS_CODES } from 'node:http';
import type { Context, Middleware, Next } from 'koa';

/** The error codes this API answers with outside validation (which answers a bare array of codes). */
const CODES: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  500: 'internal_error',
  503: 'service_unavailable',
};

export interface ErrorBody {
  error: string;
  message: string;
}

/** An error whose status and message are meant for the client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function errorBody(status: number, message?: string): ErrorBody {
  return { error: CODES[status] ?? `http_${status}`, message: message ?? STATUS_CODES[status] ?? 'Error' };
}

/** An error thrown with a 4xx status (http-errors, the body parser): the client's fault, not ours. */
interface ClientError extends Error {
  status: number;
  expose?: boolean;
  type?: string;
}

function isClientError(err: unknown): err is ClientError {
  const status = (err as Partial<ClientError> | null)?.status;
  return err instanceof Error && typeof status === 'number' && status >= 400 && status < 500;
}

/** What the body parser's errors (co-body, raw-body) mean, in this API's words. */
function clientErrorBody(err: ClientError): ErrorBody {
  if (err instanceof SyntaxError && err.status === 400) {
    return { error: 'malformed_json', message: 'The request body is not valid JSON' };
  }
  switch (err.type) {
    case 'entity.too.large':
      return errorBody(413, 'The request body is larger than the configured limit');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return errorBody(415, 'The request body must be UTF-8 encoded JSON');
    default:
      return errorBody(err.status, err.expose === true ? err.message : undefined);
  }
}

export type ErrorListener = (err: unknown, ctx: Context) => void;

/**
 * Turns every failure into a JSON answer: client errors keep their status and say what was wrong;
 * anything else is a 500 whose body reveals nothing, handed to `onServerError` (logging, Rollbar).
 * Empty error answers from further down (the router's 404/405) get a JSON body too.
 */
export function errorHandler(onServerError: ErrorListener): Middleware {
  return async function errorHandlerMiddleware(ctx: Context, next: Next) {
    try {
      await next();
      if (ctx.status >= 400 && ctx.body == null) {
        const status = ctx.status; // setting a body would otherwise turn Koa's default 404 into a 200
        ctx.body = errorBody(status);
        ctx.status = status;
      }
    } catch (err) {
      if (err instanceof HttpError) {
        ctx.status = err.status;
        ctx.body = { error: err.code, message: err.message } satisfies ErrorBody;
      } else if (isClientError(err)) {
        ctx.status = err.status;
        ctx.body = clientErrorBody(err);
      } else {
        onServerError(err, ctx);
        ctx.status = 500;
        ctx.body = errorBody(500);
      }
    }
  };
}
