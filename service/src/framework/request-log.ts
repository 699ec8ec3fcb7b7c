import type { Context, Middleware, Next } from 'koa';
import { matchedRoute } from '../request/matched-route';

/** Where the lines go: the service's logger, or any other that takes a level, a message and fields. */
export interface RequestLogger {
  log(level: 'error' | 'warn' | 'info', message: string, fields: Record<string, unknown>): unknown;
}

/** One line per request once it is answered; `skip` leaves out the probes. */
export function requestLog(logger: RequestLogger, skip: (path: string) => boolean): Middleware {
  return async function requestLogMiddleware(ctx: Context, next: Next) {
    if (skip(ctx.path)) {
      await next();
      return;
    }
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const status = ctx.status;
      logger.log(status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info', 'request completed', {
        method: ctx.method,
        route: matchedRoute(ctx),
        path: ctx.path,
        status,
        duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
      });
    }
  };
}
