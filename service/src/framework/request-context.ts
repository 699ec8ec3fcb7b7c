import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestSegment } from '../telemetry/xray-segment';

/** What every log line written while serving a request should carry. */
export interface RequestContext {
  requestId: string;
  /** Filled by the telemetry middleware when the request is traced. */
  trace?: RequestTrace;
}

export interface RequestTrace {
  traceId: string;
  /** The request's server span (and X-Ray segment) id. */
  spanId: string;
  xrayTraceId: string;
  /** Present when X-Ray samples the request: subsegments hang from it. */
  segment?: RequestSegment;
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
