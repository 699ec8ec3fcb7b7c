import Router from '@koa/router';

/**
 * Only with DEBUG_ROUTES=true: a route that fails on purpose, so an operator (or `make smoke`) can check that a
 * 500 reaches Rollbar, the span's error status and the X-Ray fault flag, all under one trace id.
 */
export function debugRouter(): Router {
  const router = new Router();
  router.get('/debug/error', () => {
    throw new Error('Deliberate error from /debug/error');
  });
  return router;
}
