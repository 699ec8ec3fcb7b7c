import type { Middleware } from 'koa';

/**
 * Reads paths as the original (Flask) did before routing: repeated slashes count as one (a frontend whose backend
 * URL ends in `/` calls `//api/…`), and a percent-encoded `@` is an `@` (`/api/activities/%40andrewbrown` is the
 * user feed, not an activity id).
 */
export function normalizedPath(): Middleware {
  return async function normalizedPathMiddleware(ctx, next) {
    const path = ctx.path.replace(/\/{2,}/g, '/').replace(/%40/gi, '@');
    if (path !== ctx.path) ctx.path = path;
    await next();
  };
}
