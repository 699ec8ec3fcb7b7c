import cors from '@koa/cors';
import type { Context, Middleware, Next } from 'koa';

/** CORS for /api/* with an allow-list of origins; other origins get no CORS headers, so browsers refuse them. */
export function apiCors(allowedOrigins: readonly string[]): Middleware {
  const allowed = new Set(allowedOrigins);
  const handle: Middleware = cors({
    origin: (ctx) => {
      const origin = ctx.get('Origin');
      return allowed.has(origin) ? origin : '';
    },
    allowMethods: ['OPTIONS', 'GET', 'HEAD', 'POST'],
    allowHeaders: ['content-type', 'if-modified-since'],
    // location/link as the original; the id headers let a browser user quote the trace of a request.
    exposeHeaders: ['location', 'link', 'x-request-id', 'traceresponse', 'x-amzn-trace-id'],
  });
  return async function apiCorsMiddleware(ctx: Context, next: Next) {
    await (ctx.path.startsWith('/api/') ? handle(ctx, next) : next());
  };
}
