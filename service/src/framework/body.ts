import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware, Next } from 'koa';
import { HttpError } from './errors';

/**
 * Parses JSON bodies up to `limitBytes` (larger → 413, malformed → 400). A body of any other media type
 * is refused with 415 rather than silently read as empty.
 */
export function jsonBody(limitBytes: number): Middleware {
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: limitBytes,
    jsonStrict: false, // any JSON value parses; jsonFields() then says what shape was expected
    encoding: 'utf-8',
  });
  return (ctx, next) => requireJsonMediaType(ctx, () => parse(ctx, next));
}

function requireJsonMediaType(ctx: Context, next: Next) {
  // is() answers false for any other type, including an empty body sent with Content-Length: 0.
  const hasContent = Number(ctx.get('content-length')) > 0 || ctx.get('transfer-encoding') !== '';
  if (ctx.method === 'POST' && hasContent && ctx.request.is('json') === false) {
    throw new HttpError(415, 'unsupported_media_type', 'The request body must be application/json');
  }
  return next();
}

/** The parsed body as an object of fields; any other JSON value (array, string, number) is a 400. */
export function jsonFields(ctx: Context): Record<string, unknown> {
  const body: unknown = ctx.request.body;
  if (body === undefined || body === '') return {}; // no body: every field is missing (422), not a 400
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid_body', 'The request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}
