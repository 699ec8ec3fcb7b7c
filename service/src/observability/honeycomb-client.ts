import { setTimeout as sleep } from 'node:timers/promises';
import type { PanelStyle, QuerySpec } from './definitions.js';

/**
 * The parts of the Honeycomb API (https://api-docs.honeycomb.io) that saved queries, boards and markers need, over fetch.
 * Rate-limited calls (429) are retried after the delay Honeycomb asks for; other errors say what to fix.
 */

/** A saved query as the API gives it back: it may leave out fields it holds defaults for. */
export interface Query extends Partial<QuerySpec> {
  id: string;
}

export interface QueryAnnotation {
  id: string;
  name: string;
  description?: string;
  query_id: string;
}

export interface QueryPanel {
  type: 'query';
  query_panel: { query_id: string; query_annotation_id: string; query_style?: PanelStyle };
}

export interface Board {
  id: string;
  name: string;
  description?: string;
  type: string;
  panels?: ({ type: string } | QueryPanel)[];
}

export type BoardInput = Omit<Board, 'id'> & { layout_generation: 'auto' };

/** A marker as the Markers API takes it: every field optional, times in Unix seconds. */
export interface MarkerInput {
  message?: string;
  type?: string;
  url?: string;
  start_time?: number;
  end_time?: number;
}

export interface Marker extends MarkerInput {
  id: string;
}

export interface HoneycombClientOptions {
  apiUrl: string;
  configurationKey: string;
  /** Attempts per call when rate limited. Default 5. */
  maxAttempts?: number;
  /** Upper bound of one wait, whatever Retry-After says. Default 60 s. */
  maxDelayMs?: number;
  /** How long one request may take before it is given up. Default 30 s. */
  requestTimeoutMs?: number;
}

/** The configuration key permission each endpoint needs, for 403 answers. */
const PERMISSIONS: [prefix: string, permission: string][] = [
  ['/1/queries/', 'Manage Queries and Columns'],
  ['/1/query_annotations/', 'Manage Queries and Columns'],
  ['/1/boards', 'Manage Public Boards'],
  ['/1/markers/', 'Manage Markers'],
];

export class HoneycombError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'HoneycombError';
  }
}

export class HoneycombClient {
  private readonly maxAttempts: number;
  private readonly maxDelayMs: number;
  private readonly requestTimeoutMs: number;

  constructor(private readonly options: HoneycombClientOptions) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  getQuery(dataset: string, id: string): Promise<Query> {
    return this.call('GET', `/1/queries/${encodeURIComponent(dataset)}/${encodeURIComponent(id)}`);
  }

  /** Queries are immutable and content-addressed: the same spec gives back the same id. */
  createQuery(dataset: string, spec: QuerySpec): Promise<Query> {
    return this.call('POST', `/1/queries/${encodeURIComponent(dataset)}`, spec);
  }

  listAnnotations(dataset: string): Promise<QueryAnnotation[]> {
    return this.call('GET', `/1/query_annotations/${encodeURIComponent(dataset)}`);
  }

  createAnnotation(dataset: string, annotation: Omit<QueryAnnotation, 'id'>): Promise<QueryAnnotation> {
    return this.call('POST', `/1/query_annotations/${encodeURIComponent(dataset)}`, annotation);
  }

  /**
   * The API replaces the whole annotation (partial updates are refused with 400), so the body carries its query_id
   * too; only the name and description can change, as an annotation stays bound to its query.
   */
  updateAnnotation(dataset: string, id: string, annotation: Omit<QueryAnnotation, 'id'>): Promise<QueryAnnotation> {
    return this.call('PUT', `/1/query_annotations/${encodeURIComponent(dataset)}/${encodeURIComponent(id)}`, annotation);
  }

  async deleteAnnotation(dataset: string, id: string): Promise<void> {
    await this.call('DELETE', `/1/query_annotations/${encodeURIComponent(dataset)}/${encodeURIComponent(id)}`);
  }

  listBoards(): Promise<Board[]> {
    return this.call('GET', '/1/boards');
  }

  getBoard(id: string): Promise<Board> {
    return this.call('GET', `/1/boards/${encodeURIComponent(id)}`);
  }

  createBoard(board: BoardInput): Promise<Board> {
    return this.call('POST', '/1/boards', board);
  }

  updateBoard(id: string, board: BoardInput): Promise<Board> {
    return this.call('PUT', `/1/boards/${encodeURIComponent(id)}`, board);
  }

  /** The dataset's markers (the API has no GET of a single one). */
  listMarkers(dataset: string): Promise<Marker[]> {
    return this.call('GET', `/1/markers/${encodeURIComponent(dataset)}`);
  }

  createMarker(dataset: string, marker: MarkerInput): Promise<Marker> {
    return this.call('POST', `/1/markers/${encodeURIComponent(dataset)}`, marker);
  }

  /**
   * One API call. A 429, a 5xx or no answer at all (refused, reset, timed out) is tried again, at most maxAttempts
   * times in all, after Retry-After or a growing delay: the API may be back a moment later. Other answers are final.
   */
  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      let text: string;
      try {
        response = await fetch(`${this.options.apiUrl}${path}`, {
          method,
          signal: AbortSignal.timeout(this.requestTimeoutMs),
          headers: {
            'x-honeycomb-team': this.options.configurationKey,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        text = await response.text();
      } catch (error) {
        if (attempt >= this.maxAttempts) {
          throw new Error(`Honeycomb at ${this.options.apiUrl} did not answer ${method} ${path} (${attempt} attempts: ${unreachable(error)})`, { cause: error });
        }
        await sleep(Math.min(retryDelayMs(new Headers(), attempt), this.maxDelayMs));
        continue;
      }
      if (response.ok) return (text === '' ? undefined : JSON.parse(text)) as T;
      if ((response.status === 429 || response.status >= 500) && attempt < this.maxAttempts) {
        await sleep(Math.min(retryDelayMs(response.headers, attempt), this.maxDelayMs));
        continue;
      }
      throw new HoneycombError(describe(method, path, response.status, text, attempt), response.status);
    }
  }
}

/**
 * How long to wait before retrying a 429: Retry-After (seconds or a date), else the `reset` of the
 * RateLimit header Honeycomb sends ("limit=100, remaining=0, reset=30"), else exponential backoff.
 */
export function retryDelayMs(headers: Headers, attempt: number): number {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  const reset = /reset=(\d+)/.exec(headers.get('ratelimit') ?? '');
  if (reset) return Number(reset[1]) * 1000;
  return 1000 * 2 ** (attempt - 1);
}

function describe(method: string, path: string, status: number, body: string, attempts: number): string {
  const call = `${method} ${path}`;
  const detail = errorDetail(body);
  switch (status) {
    case 401:
      return `Honeycomb rejected HONEYCOMB_CONFIGURATION_KEY (401 on ${call}${detail}): use a configuration key of the environment the traces go to (an ingest key cannot manage queries, boards or markers)`;
    case 403: {
      const permission = PERMISSIONS.find(([prefix]) => path.startsWith(prefix))?.[1] ?? 'the needed';
      return `HONEYCOMB_CONFIGURATION_KEY lacks the "${permission}" permission (403 on ${call}${detail}): grant it to the key in Honeycomb's environment settings`;
    }
    case 404:
      return path.startsWith('/1/boards')
        ? `Honeycomb answered 404 on ${call}${detail}`
        : `Honeycomb has no such dataset (404 on ${call}${detail}): it appears with the first traces the service sends; check OTEL_SERVICE_NAME`;
    case 429:
      return `Honeycomb kept rate limiting ${call} (429 after ${attempts} attempts${detail}); try again later`;
    default:
      if (status >= 500) return `Honeycomb kept failing ${call} (${status} after ${attempts} attempts${detail}); try again later`;
      return `Honeycomb answered ${status} on ${call}${detail}`;
  }
}

/** fetch says only "fetch failed"; its cause says why (ECONNREFUSED, a timeout...). */
export function unreachable(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${message}${cause}`;
}

/** Honeycomb errors are `{"error": "..."}` (or RFC 7807 with `title`); anything else is shown as is, shortened. */
function errorDetail(body: string): string {
  let message: unknown = body;
  try {
    const parsed = JSON.parse(body) as { error?: unknown; title?: unknown };
    message = parsed.error ?? parsed.title ?? body;
  } catch {
    // not JSON: keep the text
  }
  const text = String(message).trim();
  return text === '' ? '' : `: ${text.length > 200 ? `${text.slice(0, 197)}...` : text}`;
}
