import Router from '@koa/router';

/**
 * Only with DEBUG_ROUTES=true: routes that fail on purpose, so an operator (or `make smoke`) can check the error
 * path end to end — a 500 reaching Rollbar, the span's error status and the X-Ray fault flag under one trace id,
 * and an uncaught exception being reported before the process exits.
 */
export function debugRouter(): Router {
  const router = new Router({ prefix: '/debug' });
  router.get('/error', () => {
    throw new Error('Deliberate error from /debug/error');
  });
  router.post('/crash', (ctx) => {
    setImmediate(() => {
      throw new Error('Deliberate uncaught exception from /debug/crash');
    });
    ctx.status = 202;
    ctx.body = { crashing: true };
  });
  return router;
}
