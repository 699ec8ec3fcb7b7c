import Router from '@koa/router';
import document from './openapi.json';

/** `/openapi.json`: the document of this API, as the tests check it against the real answers. */
export function openApiRouter(): Router {
  const router = new Router();
  router.get('/openapi.json', (ctx) => {
    ctx.body = document;
  });
  return router;
}
