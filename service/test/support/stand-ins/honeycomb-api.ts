import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { flattenHeaders, HttpStandIn, readBody } from './http-server.js';
import { FailurePlan } from './recording.js';

export type HoneycombOperation =
  | 'createQuery'
  | 'getQuery'
  | 'listAnnotations'
  | 'createAnnotation'
  | 'updateAnnotation'
  | 'deleteAnnotation'
  | 'listBoards'
  | 'getBoard'
  | 'createBoard'
  | 'updateBoard'
  | 'listMarkers'
  | 'createMarker'
  | 'updateMarker';

/** What a configuration key may do, as Honeycomb's key permissions say it. */
export interface KeyPermissions {
  /** "Manage Queries and Columns": /1/queries and /1/query_annotations. */
  queries: boolean;
  /** "Manage Public Boards": /1/boards. */
  boards: boolean;
  /** "Manage Markers": /1/markers. */
  markers: boolean;
}

export interface HoneycombCall {
  operation: HoneycombOperation | 'unknown';
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  status: number;
}

/** What the stand-in answers instead of serving the next call(s). */
export type HoneycombFailure =
  | { kind: 'rate-limit'; retryAfter?: string; rateLimit?: string }
  | { kind: 'status'; status: number; error: string };

export interface StoredAnnotation {
  id: string;
  name: string;
  description: string;
  query_id: string;
  created_at: string;
  updated_at: string;
}

export interface StoredBoard {
  id: string;
  name: string;
  description: string;
  type: string;
  panels: Record<string, unknown>[];
  links: { board_url: string };
}

export interface StoredMarker {
  id: string;
  message?: string;
  type?: string;
  url?: string;
  start_time: number;
  end_time?: number;
  color?: string;
  created_at: string;
  updated_at: string;
}

const QUERY_PERMISSION_PREFIXES = ['/1/queries/', '/1/query_annotations/'];

/** What a marker is created or replaced with: start_time defaults to now. */
type MarkerFields = Omit<StoredMarker, 'id' | 'created_at' | 'updated_at' | 'start_time'> & { start_time?: number };

/** The markers endpoints take a dataset slug, or this for markers of the whole environment. */
const ENVIRONMENT_WIDE = '__all__';

/** Unix seconds beyond this are milliseconds sent by mistake (this is the year 2286 in seconds). */
const LATEST_SECONDS = 9_999_999_999;

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The Honeycomb API's queries, query annotations, (flexible) boards and markers on loopback, with the behaviour a
 * reconciler depends on: queries are immutable and content-addressed (the same spec gives the same id),
 * annotations are created (201) and replaced (PUT) whole, name and query_id required, cannot change their query
 * and answer 204 when deleted, keys need the right permission (401 unknown key, 403 missing permission), unknown
 * datasets answer 404. Markers as Honeycomb's OpenAPI document has them: every field
 * optional, times integer Unix seconds (start_time defaults to now), 201 with an id on create, a list but no
 * GET of one, PUT replacing the whole marker. Errors are `{"error": "..."}` like api.honeycomb.io's.
 */
export class HoneycombApi extends HttpStandIn {
  readonly calls: HoneycombCall[] = [];
  private readonly keys = new Map<string, KeyPermissions>();
  private readonly datasets = new Set<string>();
  private readonly queries = new Map<string, { dataset: string; spec: Record<string, unknown> }>();
  /** Dataset → annotation id → annotation. */
  private readonly annotationsByDataset = new Map<string, Map<string, StoredAnnotation>>();
  private readonly boardsById = new Map<string, StoredBoard>();
  /** Dataset (or __all__) → marker id → marker. */
  private readonly markersByDataset = new Map<string, Map<string, StoredMarker>>();
  private readonly failures = new FailurePlan<HoneycombFailure, HoneycombOperation>();

  /** Forgets keys, datasets, queries, annotations, boards, markers, calls and planned failures. */
  reset(): void {
    this.calls.length = 0;
    this.keys.clear();
    this.datasets.clear();
    this.queries.clear();
    this.annotationsByDataset.clear();
    this.boardsById.clear();
    this.markersByDataset.clear();
    this.failures.clear();
  }

  /** A configuration key the API accepts, with every permission unless told otherwise. */
  addKey(key: string, permissions: Partial<KeyPermissions> = {}): void {
    this.keys.set(key, { queries: true, boards: true, markers: true, ...permissions });
  }

  /** Datasets exist once events arrive; here, once added. */
  addDataset(slug: string): void {
    this.datasets.add(slug);
  }

  /** The next `count` calls (of `operation`, if given) get `failure` instead of being served. */
  failNext(count: number, failure: HoneycombFailure, operation?: HoneycombOperation): void {
    this.failures.add(count, failure, operation);
  }

  callsOf(operation: HoneycombOperation): HoneycombCall[] {
    return this.calls.filter((call) => call.operation === operation);
  }

  /** The calls that change something (POST, PUT, DELETE). */
  writes(): HoneycombCall[] {
    return this.calls.filter((call) => call.method !== 'GET');
  }

  annotations(dataset: string): StoredAnnotation[] {
    return [...(this.annotationsByDataset.get(dataset)?.values() ?? [])];
  }

  query(id: string): Record<string, unknown> | undefined {
    return this.queries.get(id)?.spec;
  }

  boards(): StoredBoard[] {
    return [...this.boardsById.values()];
  }

  markers(dataset: string): StoredMarker[] {
    return [...(this.markersByDataset.get(dataset)?.values() ?? [])];
  }

  /** Adds a marker directly, e.g. one an earlier rollout made. */
  saveMarker(dataset: string, fields: MarkerFields): StoredMarker {
    const now = new Date().toISOString();
    const marker = { id: newId(), start_time: Math.floor(Date.now() / 1000), ...fields, created_at: now, updated_at: now };
    const markers = this.markersByDataset.get(dataset) ?? new Map<string, StoredMarker>();
    this.markersByDataset.set(dataset, markers.set(marker.id, marker));
    return marker;
  }

  /** Saves a query the way POST /1/queries would; returns its id. */
  saveQuery(dataset: string, spec: Record<string, unknown>): string {
    const id = createHash('sha256').update(`${dataset}\n${canonicalJson(spec)}`).digest('base64url').slice(0, 11);
    this.queries.set(id, { dataset, spec });
    return id;
  }

  /** Adds an annotation directly, e.g. one left behind by someone else. */
  saveAnnotation(dataset: string, fields: { name: string; description?: string; query_id: string }): StoredAnnotation {
    const now = new Date().toISOString();
    const annotation = { id: newId(), description: '', ...fields, created_at: now, updated_at: now };
    const annotations = this.annotationsByDataset.get(dataset) ?? new Map<string, StoredAnnotation>();
    this.annotationsByDataset.set(dataset, annotations.set(annotation.id, annotation));
    return annotation;
  }

  protected override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const call: HoneycombCall = {
      operation: 'unknown',
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0] ?? '',
      headers: flattenHeaders(req),
      body: undefined,
      status: 0,
    };
    this.calls.push(call);
    try {
      const route = routeOf(call.method, call.path);
      call.operation = route.operation;
      this.authorize(call);
      call.body = parseBody(raw);
      const failure = this.failures.take(route.operation);
      if (failure?.kind === 'rate-limit') {
        const headers = { ...(failure.retryAfter === undefined ? {} : { 'retry-after': failure.retryAfter }), ...(failure.rateLimit === undefined ? {} : { ratelimit: failure.rateLimit }) };
        this.answer(res, call, 429, { error: 'rate limit exceeded' }, headers);
        return;
      }
      if (failure) throw new ApiError(failure.status, failure.error);
      const [status, body] = this.serve(route, call.body);
      this.answer(res, call, status, body);
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError(500, String(error));
      this.answer(res, call, apiError.status, { error: apiError.message });
    }
  }

  private authorize(call: HoneycombCall): void {
    const key = call.headers['x-honeycomb-team'];
    const permissions = key === undefined ? undefined : this.keys.get(key);
    if (!permissions) throw new ApiError(401, 'unknown API key - check your credentials');
    const needed: keyof KeyPermissions = QUERY_PERMISSION_PREFIXES.some((prefix) => call.path.startsWith(prefix))
      ? 'queries'
      : call.path.startsWith('/1/markers/')
        ? 'markers'
        : 'boards';
    if (!permissions[needed]) {
      throw new ApiError(403, 'the API key does not have the permission for this action');
    }
  }

  private serve(route: Route, body: unknown): [number, unknown] {
    switch (route.operation) {
      case 'createQuery':
        return [200, this.createQuery(this.dataset(route.dataset), record(body))];
      case 'getQuery': {
        const query = this.queries.get(route.id ?? '');
        if (!query || query.dataset !== this.dataset(route.dataset)) throw new ApiError(404, 'query not found');
        return [200, { id: route.id, ...query.spec }];
      }
      case 'listAnnotations':
        return [200, this.annotations(this.dataset(route.dataset))];
      case 'createAnnotation':
        return [201, this.createAnnotation(this.dataset(route.dataset), record(body))];
      case 'updateAnnotation':
        return [200, this.updateAnnotation(this.annotation(route), record(body))];
      case 'deleteAnnotation':
        this.annotationsByDataset.get(route.dataset ?? '')?.delete(this.annotation(route).id);
        return [204, undefined];
      case 'listBoards':
        return [200, this.boards()];
      case 'getBoard':
        return [200, this.board(route.id)];
      case 'createBoard': {
        const board = { id: newId(), ...this.validBoard(record(body)) };
        this.boardsById.set(board.id, board);
        return [201, board];
      }
      case 'updateBoard': {
        const board = { id: this.board(route.id).id, ...this.validBoard(record(body)) };
        this.boardsById.set(board.id, board);
        return [200, board];
      }
      case 'listMarkers':
        return [200, this.markers(this.markerDataset(route.dataset))];
      case 'createMarker':
        return [201, this.saveMarker(this.markerDataset(route.dataset), validMarker(record(body)))];
      case 'updateMarker': {
        const markers = this.markersByDataset.get(this.markerDataset(route.dataset));
        const existing = markers?.get(route.id ?? '');
        if (!markers || !existing) throw new ApiError(404, 'marker not found');
        // PUT replaces the whole marker: fields left out are gone, but for the start_time every marker has.
        const marker = { start_time: existing.start_time, ...validMarker(record(body)), id: existing.id, created_at: existing.created_at, updated_at: new Date().toISOString() };
        markers.set(marker.id, marker);
        return [200, marker];
      }
    }
  }

  private dataset(slug: string | undefined): string {
    if (slug === undefined || !this.datasets.has(slug)) throw new ApiError(404, 'Dataset not found');
    return slug;
  }

  private markerDataset(slug: string | undefined): string {
    return slug === ENVIRONMENT_WIDE ? slug : this.dataset(slug);
  }

  private createQuery(dataset: string, spec: Record<string, unknown>): object {
    const calculations = spec.calculations;
    if (calculations !== undefined && !Array.isArray(calculations)) throw new ApiError(400, 'calculations must be a list');
    if ('id' in spec) throw new ApiError(400, 'a new query cannot have an id');
    const id = this.saveQuery(dataset, spec);
    return { id, ...spec };
  }

  /** Create (POST) and update (PUT) take the whole annotation: name and query_id are required in both. */
  private createAnnotation(dataset: string, body: Record<string, unknown>): StoredAnnotation {
    const { name, description, query_id } = validAnnotation(body);
    if (this.queries.get(query_id)?.dataset !== dataset) throw new ApiError(400, 'Query ID included in body is invalid');
    return this.saveAnnotation(dataset, { name, description, query_id });
  }

  /** Partial updates are not supported, and an annotation keeps its query. */
  private updateAnnotation(annotation: StoredAnnotation, body: Record<string, unknown>): StoredAnnotation {
    if (body.id !== undefined && body.id !== annotation.id) throw new ApiError(400, 'Query annotation id included in body does not match URL');
    const { name, description, query_id } = validAnnotation(body);
    if (query_id !== annotation.query_id) throw new ApiError(400, 'queries in annotations cannot be changed');
    return Object.assign(annotation, { name, description, updated_at: new Date().toISOString() });
  }

  private annotation(route: Route): StoredAnnotation {
    const annotation = this.annotationsByDataset.get(this.dataset(route.dataset))?.get(route.id ?? '');
    if (!annotation) throw new ApiError(404, 'query annotation not found');
    return annotation;
  }

  private board(id: string | undefined): StoredBoard {
    const board = this.boardsById.get(id ?? '');
    if (!board) throw new ApiError(404, 'board not found');
    return board;
  }

  /** Flexible boards only (classic ones are gone from the API); query panels must name a query and its annotation. */
  private validBoard(body: Record<string, unknown>): Omit<StoredBoard, 'id'> {
    const { name, description = '', type, panels = [] } = body;
    if (typeof name !== 'string' || name.length < 1 || name.length > 255) throw new ApiError(400, 'name must be 1 to 255 characters');
    if (type !== 'flexible') throw new ApiError(400, 'type must be "flexible"');
    if (typeof description !== 'string' || !Array.isArray(panels)) throw new ApiError(400, 'invalid board');
    const stored = (panels as unknown[]).map((raw, i) => {
      const panel = record(raw);
      const queryPanel = record(panel.query_panel);
      const id = String(queryPanel.query_annotation_id);
      const [dataset, annotation] = [...this.annotationsByDataset].map(([slug, a]) => [slug, a.get(id)] as const).find(([, a]) => a) ?? [];
      if (panel.type !== 'query' || annotation === undefined || annotation.query_id !== queryPanel.query_id) {
        throw new ApiError(400, `panels[${i}]: a query panel needs a query_id and the query_annotation_id of an annotation of that query`);
      }
      // Honeycomb answers with the panel's dataset and, with layout_generation auto, a position.
      return {
        type: 'query',
        position: { x_coordinate: 0, y_coordinate: i * 6, width: 12, height: 6 },
        query_panel: { query_style: 'graph', ...queryPanel, dataset },
      };
    });
    return { name, description, type, panels: stored, links: { board_url: `https://ui.honeycomb.io/team/board/${newId()}` } };
  }

  private answer(res: ServerResponse, call: HoneycombCall, status: number, body: unknown, headers: Record<string, string> = {}): void {
    call.status = status;
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body === undefined ? '' : JSON.stringify(body));
  }
}

interface Route {
  operation: HoneycombOperation;
  dataset?: string;
  id?: string;
}

function routeOf(method: string, path: string): Route {
  const [, version, resource, ...rest] = path.split('/').map(decodeURIComponent);
  const [first, second] = rest;
  if (version === '1' && resource === 'queries' && first !== undefined) {
    if (method === 'POST' && second === undefined) return { operation: 'createQuery', dataset: first };
    if (method === 'GET' && second !== undefined) return { operation: 'getQuery', dataset: first, id: second };
  }
  if (version === '1' && resource === 'query_annotations' && first !== undefined) {
    if (second === undefined && method === 'GET') return { operation: 'listAnnotations', dataset: first };
    if (second === undefined && method === 'POST') return { operation: 'createAnnotation', dataset: first };
    if (second !== undefined && method === 'PUT') return { operation: 'updateAnnotation', dataset: first, id: second };
    if (second !== undefined && method === 'DELETE') return { operation: 'deleteAnnotation', dataset: first, id: second };
  }
  if (version === '1' && resource === 'markers' && first !== undefined) {
    if (second === undefined && method === 'GET') return { operation: 'listMarkers', dataset: first };
    if (second === undefined && method === 'POST') return { operation: 'createMarker', dataset: first };
    if (second !== undefined && method === 'PUT') return { operation: 'updateMarker', dataset: first, id: second };
  }
  if (version === '1' && resource === 'boards') {
    if (first === undefined && method === 'GET') return { operation: 'listBoards' };
    if (first === undefined && method === 'POST') return { operation: 'createBoard' };
    if (first !== undefined && method === 'GET') return { operation: 'getBoard', id: first };
    if (first !== undefined && method === 'PUT') return { operation: 'updateBoard', id: first };
  }
  throw new ApiError(404, `no route for ${method} ${path}`);
}

/** A query annotation's fields as Honeycomb's OpenAPI document has them: name (1 to 320) and query_id required. */
function validAnnotation(body: Record<string, unknown>): { name: string; description: string; query_id: string } {
  const { name, description = '', query_id } = body;
  for (const [field, value] of [['name', name], ['query_id', query_id]] as const) {
    if (value === undefined) throw new ApiError(400, `${field} is required`);
    if (typeof value !== 'string') throw new ApiError(400, `${field} must be a string`);
  }
  if (typeof name !== 'string' || name.length < 1 || name.length > 320) throw new ApiError(400, 'name must be 1 to 320 characters');
  if (typeof description !== 'string' || description.length > 1023) throw new ApiError(400, 'description must be at most 1023 characters');
  return { name, description, query_id: String(query_id) };
}

/** Every field optional; text fields are strings, times integer Unix seconds. */
function validMarker(body: Record<string, unknown>): MarkerFields {
  const marker: Record<string, unknown> = {};
  for (const field of ['message', 'type', 'url', 'color'] as const) {
    const value = body[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new ApiError(400, `${field} must be a string`);
    marker[field] = value;
  }
  for (const field of ['start_time', 'end_time'] as const) {
    const value = body[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new ApiError(400, `${field} must be an integer number of Unix seconds`);
    if (value > LATEST_SECONDS) throw new ApiError(400, `${field} must be in Unix seconds, not milliseconds`);
    marker[field] = value;
  }
  return marker;
}

function parseBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ApiError(400, 'request body is not JSON');
  }
}

function record(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError(400, 'expected a JSON object');
  return value as Record<string, unknown>;
}

/** JSON with object keys sorted, so equal specs hash alike whatever order their fields came in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function newId(): string {
  return randomBytes(8).toString('base64url').slice(0, 11);
}
