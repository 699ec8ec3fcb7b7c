import { performance } from 'node:perf_hooks';
import { idsOf } from './stack';

export interface LoadRequest {
  path: string;
  init?: RequestInit;
}

export interface LoadResult {
  path: string;
  /** 0 when the request failed without an answer. */
  status: number;
  startedAt: number;
  ms: number;
  traceId: string;
  requestId: string;
  error: string | undefined;
}

export interface LoadOptions {
  /** Concurrent request loops. */
  workers: number;
  /** Pause of each loop between two requests: with `workers`, it bounds the rate. */
  pauseMs: number;
  /** Hard bounds: the load stops by itself at whichever comes first. */
  maxRequests: number;
  maxDurationMs: number;
  /** Per-request timeout. */
  timeoutMs?: number;
}

/**
 * A small, bounded load on loopback: `workers` loops, each sending the next request of `mix` and pausing.
 * Every request carries its own x-request-id, so its log lines and Rollbar items can be found.
 */
export class Load {
  readonly results: LoadResult[] = [];
  private stopped = false;
  private sent = 0;
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly base: string,
    private readonly mix: LoadRequest[],
    private readonly options: LoadOptions,
    private readonly label = 'load',
  ) {}

  start(): this {
    const deadline = Date.now() + this.options.maxDurationMs;
    for (let worker = 0; worker < this.options.workers; worker++) this.loops.push(this.loop(worker, deadline));
    return this;
  }

  /** Stops sending; resolves when every request already sent has its answer (or its error). */
  async stop(): Promise<LoadResult[]> {
    this.stopped = true;
    await Promise.all(this.loops);
    return this.results;
  }

  /** Resolves once the load has ended by itself (a bound was reached). */
  async finished(): Promise<LoadResult[]> {
    await Promise.all(this.loops);
    return this.results;
  }

  private async loop(worker: number, deadline: number): Promise<void> {
    while (!this.stopped && this.sent < this.options.maxRequests && Date.now() < deadline) {
      const request = this.mix[this.sent % this.mix.length];
      if (request === undefined) return;
      const requestId = `${this.label}-${worker}-${this.sent}`;
      this.sent++;
      this.results.push(await this.send(request, requestId));
      await new Promise((resolve) => setTimeout(resolve, this.options.pauseMs));
    }
  }

  private async send(request: LoadRequest, requestId: string): Promise<LoadResult> {
    const startedAt = Date.now();
    const started = performance.now();
    const headers = new Headers(request.init?.headers);
    headers.set('x-request-id', requestId);
    try {
      const res = await fetch(`${this.base}${request.path}`, {
        ...request.init,
        headers,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
      await res.arrayBuffer();
      const ms = performance.now() - started;
      return { path: request.path, status: res.status, startedAt, ms, traceId: idsOf(res).traceId, requestId, error: undefined };
    } catch (error) {
      const ms = performance.now() - started;
      return { path: request.path, status: 0, startedAt, ms, traceId: '', requestId, error: String(error) };
    }
  }
}

/** The q-quantile (0..1) of `values`, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

export const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** A mix of the API's routes that all answer 2xx. */
export const HEALTHY_MIX: LoadRequest[] = [
  { path: '/api/activities/home' },
  { path: '/api/activities/@andrewbrown' },
  { path: '/api/activities/notifications' },
  { path: '/api/activities/search?term=cloud' },
  { path: '/api/message_groups' },
  { path: '/api/messages/@worf' },
  { path: '/api/activities', init: json({ message: 'load test', ttl: '1-day' }) },
  { path: '/api/activities/68f126b0-1ceb-4a33-88be-d90fa7109eee' },
];
