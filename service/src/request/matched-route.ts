import type { Context } from 'koa';

/** The route template the router matched (`/api/activities/@:handle`), so logs and traces group by route, not by URL. */
export function matchedRoute(ctx: Context): string | undefined {
  const route = (ctx as Context & { _matchedRoute?: string | RegExp })._matchedRoute;
  return typeof route === 'string' ? route : undefined;
}
