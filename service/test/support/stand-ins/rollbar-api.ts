import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { flattenHeaders, HttpStandIn, readBody } from './http-server.js';
import { atLeast, FailurePlan, Waiters } from './recording.js';

/** One occurrence as Rollbar's item endpoint received it. */
export interface RollbarItem {
  /** From the X-Rollbar-Access-Token header (current clients) or the body's `access_token` (older ones). */
  accessToken: string;
  /** The payload's `data`: environment, level, body.trace / body.message, custom fields... */
  data: Record<string, unknown>;
  headers: Record<string, string>;
  /** The uuid the stand-in answered with. */
  uuid: string;
}

export interface RollbarRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  status: number;
}

/**
 * Rollbar's item API on loopback: POST /api/1/item/ with `{ data }` (or legacy
 * `{ access_token, data }`), answered like api.rollbar.com. Point the client at it
 * with `endpoint: rollbarApi.endpoint`.
 */
export class RollbarApi extends HttpStandIn {
  readonly items: RollbarItem[] = [];
  /** Every request, including refused ones. */
  readonly requests: RollbarRequest[] = [];
  private readonly failures = new FailurePlan<number>();
  private readonly waiters = new Waiters();

  /** The value for the Rollbar client's `endpoint` option. */
  get endpoint(): string {
    return `${this.server.url}/api/1/item/`;
  }

  reset(): void {
    this.items.length = 0;
    this.requests.length = 0;
    this.failures.clear();
  }

  /** The next `count` item posts are refused with `status` (e.g. 429 rate limited, 503). */
  failNext(count: number, status: number): void {
    this.failures.add(count, status);
  }

  /** Resolves with the items matching `predicate` once there are at least `count`. */
  waitForItems(predicate: (item: RollbarItem) => boolean = () => true, timeoutMs = 5000, count = 1): Promise<RollbarItem[]> {
    return this.waiters.waitFor(
      () => atLeast(this.items, predicate, count),
      timeoutMs,
      () => `${count} matching item(s); received ${this.items.length}`,
    );
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const request: RollbarRequest = { method: req.method ?? '', path: req.url ?? '', headers: flattenHeaders(req), status: 0 };
    this.requests.push(request);

    if (request.method !== 'POST' || request.path !== '/api/1/item/') {
      this.answer(res, request, 404, { err: 1, message: 'Not found' });
      return;
    }
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      this.answer(res, request, 400, { err: 1, message: 'Invalid JSON payload' });
      return;
    }
    const accessToken = request.headers['x-rollbar-access-token'] ?? payload.access_token;
    if (typeof accessToken !== 'string' || accessToken === '') {
      this.answer(res, request, 401, { err: 1, message: 'Missing access token' });
      return;
    }
    const data = payload.data;
    if (typeof data !== 'object' || data === null) {
      this.answer(res, request, 422, { err: 1, message: "Payload is missing 'data'" });
      return;
    }
    const refusal = this.failures.take();
    if (refusal !== undefined) {
      this.answer(res, request, refusal, { err: 1, message: 'Injected failure' });
      return;
    }
    const dataUuid = (data as Record<string, unknown>).uuid;
    const uuid = typeof dataUuid === 'string' ? dataUuid : randomUUID();
    this.items.push({ accessToken, data: data as Record<string, unknown>, headers: request.headers, uuid });
    this.answer(res, request, 200, { err: 0, result: { id: null, uuid } });
  }

  private answer(res: ServerResponse, request: RollbarRequest, status: number, body: object): void {
    request.status = status;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    this.waiters.notify();
  }
}
