import { randomUUID } from 'node:crypto';
import type { Context, Middleware, Next } from 'koa';
import { runWithRequestContext } from '../request/context';

export const REQUEST_ID_HEADER = 'x-request-id';

/** An incoming id is kept only when it is short and plain, so it is safe in logs and headers. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

declare module 'koa' {
  interface DefaultState {
    requestId: string;
  }
}

/** Gives every request an id (the caller's, when sane), answers with it, and makes it visible to the logger. */
export function requestId(): Middleware {
  return function requestIdMiddleware(ctx: Context, next: Next) {
    const incoming = ctx.get(REQUEST_ID_HEADER);
    const id = SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = id;
    ctx.set(REQUEST_ID_HEADER, id);
    return runWithRequestContext({ requestId: id }, next);
  };
}
