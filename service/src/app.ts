import { METHODS } from 'node:http';
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import { activitiesRouter } from './api/activities';
import { messagesRouter } from './api/messages';
import { openApiRouter } from './api/openapi';
import { probesRouter } from './api/probes';
import { debugRouter } from './api/debug';
import { type ReportWarning, rollbarRouter } from './api/rollbar-test';
import type { Config } from './config';
import { jsonBody } from './framework/body';
import { apiCors } from './framework/cors';
import { errorHandler, type ErrorListener } from './framework/errors';
import type { Lifecycle } from './framework/lifecycle';
import { normalizedPath } from './framework/normalized-path';
import { isProbe } from './request/probe-paths';
import { requestId } from './framework/request-id';
import { requestLog } from './framework/request-log';
import type { Logger } from './telemetry/logger';

/** What the app needs from telemetry (serve.ts passes the real one, the tests their own). */
export interface AppTelemetry {
  requestTracing: Middleware;
  /** Told of every unexpected error (5xx) after it is logged. */
  onServerError: ErrorListener;
  reportWarning: ReportWarning;
}

export interface AppDeps {
  config: Pick<Config, 'corsOrigins' | 'bodyLimitBytes' | 'debugRoutes'>;
  logger: Logger;
  lifecycle: Lifecycle;
  telemetry: AppTelemetry;
}

/** Builds the Koa app from its parts, in the order a request meets them. */
export function createApp({ config, logger, lifecycle, telemetry }: AppDeps): Koa {
  const app = new Koa();
  app.proxy = true; // behind an ingress/ALB: trust X-Forwarded-* for the client address and protocol

  // Routes are all registered before the router is mounted: the koa instrumentation only sees those.
  // Every method Node's parser accepts counts as known: a path answers those it lacks with 405 and Allow, not 501.
  const router = new Router({ methods: METHODS });
  router.use(
    probesRouter(lifecycle).routes(),
    activitiesRouter().routes(),
    messagesRouter().routes(),
    rollbarRouter(telemetry.reportWarning).routes(),
    openApiRouter().routes(),
  );
  if (config.debugRoutes) router.use(debugRouter().routes());

  app.use(normalizedPath());
  app.use(requestId());
  app.use(telemetry.requestTracing);
  app.use(requestLog(logger, isProbe));
  app.use(
    errorHandler((err, ctx) => {
      logger.error('request failed', { err: err instanceof Error ? { message: err.message, stack: err.stack } : err });
      telemetry.onServerError(err, ctx);
    }),
  );
  app.use(async (ctx, next) => {
    // While draining, tell keep-alive clients to reconnect (to another pod) after this answer.
    if (lifecycle.draining) ctx.set('Connection', 'close');
    await next();
  });
  app.use(apiCors(config.corsOrigins));
  app.use(jsonBody(config.bodyLimitBytes));
  app.use(router.routes());
  app.use(router.allowedMethods());

  app.on('error', (err: unknown) => {
    // Errors after the answer was sent (a client gone mid-stream): nothing to answer, just record them.
    logger.warn('connection error', { err: err instanceof Error ? err.message : String(err) });
  });
  return app;
}
