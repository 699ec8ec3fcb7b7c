import type { Context, Middleware, Next } from 'koa';
import type { Logger } from '../telemetry/logger';

/** The route template the router matched (`/api/activities/@:handle`), so logs group by route, not by URL. */
export function matchedRoute(ctx: Context): string | undefined {
  const route = (ctx as Context & { _matchedRoute?: string | RegExp })._matchedRoute;
  return typeof route === 'string' ? route : undefined;
}

/** One line per request once it is answered; `skip` leaves out the probes. */
export function requestLog(logger: Logger, skip: (path: string) => boolean): Middleware {
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
