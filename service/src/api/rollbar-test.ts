import Router from '@koa/router';

/** Sends a test message to Rollbar; answers false when Rollbar is disabled. */
export type ReportWarning = (message: string) => boolean;

/** `/rollbar/test`, as in the original: reports `Hello World!` at level warning and answers the same text. */
export function rollbarRouter(reportWarning: ReportWarning): Router {
  const router = new Router();
  router.get('/rollbar/test', (ctx) => {
    const sent = reportWarning('Hello World!');
    ctx.set('x-rollbar-enabled', String(sent));
    ctx.type = 'text/plain';
    ctx.body = 'Hello World!';
  });
  return router;
}
