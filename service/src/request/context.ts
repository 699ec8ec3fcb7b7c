import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What every log line written while serving a request should carry. The framework opens it (request-id.ts);
 * telemetry adds the request's trace to it (telemetry/request-tracing.ts), so this module knows neither.
 */
export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** Runs `fn` as if no request were being served: for work that merely happens to start during one. */
export function outsideRequestContext<T>(fn: () => T): T {
  return storage.exit(fn);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}
