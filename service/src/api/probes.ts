import Router from '@koa/router';
import type { Lifecycle } from '../framework/lifecycle';

/** Liveness answers as the original did; readiness turns 503 as soon as the process starts draining. */
export function probesRouter(lifecycle: Lifecycle): Router {
  const router = new Router();

  router.get('/health', (ctx) => {
    ctx.type = 'text/plain';
    ctx.body = 'Healthy';
  });

  router.get('/ready', (ctx) => {
    ctx.type = 'text/plain';
    if (lifecycle.draining) {
      ctx.status = 503;
      ctx.body = 'Draining';
    } else {
      ctx.body = 'Ready';
    }
  });

  return router;
}
