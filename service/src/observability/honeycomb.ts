import type { BoardDefinition, Definitions, PanelStyle, QueryDefinition, QuerySpec } from './definitions.js';
import type { Board, BoardInput, HoneycombClient, Query, QueryAnnotation, QueryPanel } from './honeycomb-client.js';
import { diffFields, errorMessage, isOutage, planItem, type FieldChange, type ApplyOutcome, type PlannedItem, type System } from './plan.js';
import type { Settings } from './settings.js';

/**
 * Saved queries and the board. Honeycomb queries are immutable and content-addressed, so a saved query is
 * a query annotation (name → query id): the annotation's name is the key, its query's spec and its description
 * are compared. A changed spec means a new query and a new annotation (an annotation cannot change its query);
 * the replaced annotation is deleted once the board points at the new one.
 */
export function honeycombSystem(definitions: Definitions['honeycomb'], settings: Settings['honeycomb'], dataset: string, client: HoneycombClient): System {
  return {
    title: 'Honeycomb',
    target: `${settings.apiUrl}, dataset ${dataset}`,
    unavailable: settings.configurationKey === undefined ? 'HONEYCOMB_CONFIGURATION_KEY is not set' : undefined,
    async plan() {
      const queries = (await existingQueries(client, dataset, definitions.queries)).map(planQuery);
      const board = await planBoard(client, definitions.board, queries);
      return {
        items: [...queries.map((q) => q.item), board.item],
        apply: () => applyAll(client, dataset, queries, board),
      };
    },
  };
}

interface Annotated {
  annotation: QueryAnnotation;
  query: Query;
}

/** A saved query as applying leaves it: the ids a board panel points at. */
interface SavedQuery {
  annotationId: string;
  queryId: string;
}

interface QueryPlan {
  definition: QueryDefinition;
  item: PlannedItem;
  /** The annotation whose query already has the defined spec, if one does. */
  current: QueryAnnotation | undefined;
  /** Annotations with this name that applying replaces (deleted after the board no longer uses them). */
  superseded: QueryAnnotation[];
  /** Known before applying when the annotation stays. */
  saved: SavedQuery | undefined;
}

interface BoardPlan {
  definition: BoardDefinition;
  item: PlannedItem;
  existing: Board | undefined;
}

/** The defined queries with the annotations of that name (normally one) and their queries. */
async function existingQueries(client: HoneycombClient, dataset: string, queries: QueryDefinition[]): Promise<[QueryDefinition, Annotated[]][]> {
  const annotations = await client.listAnnotations(dataset);
  return Promise.all(
    queries.map(async (definition): Promise<[QueryDefinition, Annotated[]]> => {
      const named = annotations.filter((a) => a.name === definition.name);
      return [definition, await Promise.all(named.map(async (annotation) => ({ annotation, query: await client.getQuery(dataset, annotation.query_id) })))];
    }),
  );
}

function planQuery([definition, existing]: [QueryDefinition, Annotated[]]): QueryPlan {
  const desired = comparableSpec(definition.spec);
  const current = existing.find(({ query }) => diffFields(comparableSpec(query), desired).length === 0)?.annotation;
  const superseded = existing.map((e) => e.annotation).filter((a) => a !== current);
  const shown = current ?? existing[0]?.annotation;
  const changes: FieldChange[] = [
    ...(current === undefined && existing[0] ? diffFields(comparableSpec(existing[0].query), desired, 'spec.') : []),
    ...(shown && (shown.description ?? '') !== (definition.description ?? '')
      ? [{ field: 'description', from: shown.description ?? '', to: definition.description ?? '' }]
      : []),
    ...(current && superseded.length > 0 ? [{ field: 'annotations named so', from: existing.length, to: 1 }] : []),
  ];
  const item: PlannedItem =
    existing.length === 0
      ? planItem('query', definition.name, undefined, {})
      : { kind: 'query', name: definition.name, action: changes.length > 0 ? 'update' : 'unchanged', changes };
  return { definition, item, current, superseded, saved: current && { annotationId: current.id, queryId: current.query_id } };
}

/**
 * The spec fields to compare, with Honeycomb's defaults filled in so an omitted default is not a change.
 * Scalars the definition leaves out (limit, granularity...) are not compared: Honeycomb picks them.
 */
function comparableSpec(spec: Partial<QuerySpec>): Record<string, unknown> {
  const defined = <T extends object>(fields: T): Partial<T> =>
    Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
  return {
    calculated_fields: spec.calculated_fields ?? [],
    calculations: (spec.calculations ?? []).map(({ op, column }) => defined({ op, column })),
    // Filter values compare as text: the API may give back "1" for 1.
    filters: (spec.filters ?? []).map(({ column, op, value }) =>
      defined({ column, op, value: Array.isArray(value) ? value.map(String) : value === undefined ? undefined : String(value) }),
    ),
    filter_combination: spec.filter_combination ?? 'AND',
    breakdowns: spec.breakdowns ?? [],
    orders: (spec.orders ?? []).map(({ op, column, order }) => defined({ op, column, order: order ?? 'ascending' })),
    ...defined({ limit: spec.limit, time_range: spec.time_range, granularity: spec.granularity }),
  };
}

async function planBoard(client: HoneycombClient, definition: BoardDefinition, queries: QueryPlan[]): Promise<BoardPlan> {
  const named = (await client.listBoards()).filter((b) => b.name === definition.name);
  if (named.length > 1) {
    throw new Error(`${named.length} Honeycomb boards are named "${definition.name}" (${named.map((b) => b.id).join(', ')}): delete all but one`);
  }
  const existing = named[0] && (await client.getBoard(named[0].id));
  if (existing === undefined) return { definition, existing, item: planItem('board', definition.name, undefined, {}) };

  const desired = desiredPanels(definition, queries);
  const actual = (existing.panels ?? []).map((panel) => (isQueryPanel(panel) ? panel.query_panel : undefined));
  const names = new Map(queries.flatMap((q) => [q.current, ...q.superseded]).filter((a) => a !== undefined).map((a) => [a.id, a.name]));
  const changes: FieldChange[] = [
    ...diffFields({ description: existing.description ?? '' }, { description: definition.description ?? '' }),
    ...panelChanges(actual, desired, names),
  ];
  return { definition, existing, item: { kind: 'board', name: definition.name, action: changes.length > 0 ? 'update' : 'unchanged', changes } };
}

type DesiredPanel = { name: string; style: PanelStyle; saved: SavedQuery | undefined };

/**
 * Panels compare by the ids they point at (names can repeat across replaced annotations); the changes name
 * the queries, panel by panel when the count is the same, else as whole lists.
 */
function panelChanges(actual: (QueryPanel['query_panel'] | undefined)[], desired: DesiredPanel[], names: Map<string, string>): FieldChange[] {
  const differs = desired.map(({ style, saved }, i) => {
    const panel = actual[i];
    return saved === undefined || panel?.query_annotation_id !== saved.annotationId || panel.query_id !== saved.queryId || (panel.query_style ?? 'graph') !== style;
  });
  const from = actual.map((panel) =>
    panel ? panelLabel(names.get(panel.query_annotation_id) ?? `query ${panel.query_id}`, panel.query_style ?? 'graph') : 'a non-query panel',
  );
  const to = desired.map(({ name, style, saved }) => panelLabel(saved ? name : `${name} (new query)`, style));
  if (from.length !== to.length) return [{ field: 'panels', from, to }];
  return to.flatMap((label, i) =>
    differs[i] ? [{ field: `panels[${i}]`, from: from[i], to: label === from[i] ? `${label} (its current annotation)` : label }] : [],
  );
}

function desiredPanels(definition: BoardDefinition, queries: QueryPlan[]): DesiredPanel[] {
  return definition.panels.map(({ query, style }) => ({ name: query, style, saved: queries.find((q) => q.definition.name === query)?.saved }));
}

function panelLabel(name: string, style: string): string {
  return style === 'graph' ? name : `${name} [${style}]`;
}

function isQueryPanel(panel: { type: string }): panel is QueryPanel {
  return panel.type === 'query' && 'query_panel' in panel;
}

/** Queries first (the board needs their ids), then the board, then the annotations the board no longer uses. */
async function applyAll(client: HoneycombClient, dataset: string, queries: QueryPlan[], board: BoardPlan): Promise<ApplyOutcome[]> {
  const outcomes = new Map<QueryPlan, ApplyOutcome>();
  // Once Honeycomb is down (each call already retried within its bound), the next calls would wait as long for the same answer.
  let down: string | undefined;
  const unavailable = (item: PlannedItem): ApplyOutcome => ({ item, status: 'not attempted', message: `the API was unavailable: ${down ?? ''}`, outage: true });
  for (const query of queries.filter((q) => q.item.action !== 'unchanged')) {
    if (down !== undefined) {
      outcomes.set(query, unavailable(query.item));
      continue;
    }
    try {
      query.saved = await applyQuery(client, dataset, query);
      outcomes.set(query, { item: query.item, status: 'done' });
    } catch (error) {
      const outage = isOutage(error);
      if (outage) down = errorMessage(error);
      outcomes.set(query, { item: query.item, status: 'failed', message: errorMessage(error), outage });
    }
  }
  const boardOutcome =
    board.item.action === 'unchanged' ? undefined : down === undefined ? await applyBoard(client, board, queries) : unavailable(board.item);

  const boardCurrent = boardOutcome === undefined || boardOutcome.status === 'done';
  for (const [query, outcome] of outcomes) {
    if (outcome.status !== 'done' || query.superseded.length === 0) continue;
    const ids = query.superseded.map((a) => a.id).join(', ');
    if (!boardCurrent) {
      Object.assign(outcome, {
        status: 'failed',
        message: `new annotation saved; the replaced one (${ids}) was kept because the board was not updated: run apply again`,
        outage: boardOutcome.outage === true,
      });
      continue;
    }
    try {
      for (const annotation of query.superseded) await client.deleteAnnotation(dataset, annotation.id);
    } catch (error) {
      Object.assign(outcome, {
        status: 'failed',
        message: `new annotation saved; deleting the replaced one (${ids}) failed: ${errorMessage(error)}`,
        outage: isOutage(error),
      });
    }
  }
  return [...outcomes.values(), ...(boardOutcome ? [boardOutcome] : [])];
}

/** Saves the defined spec under the defined name; returns the ids the board's panel should point at. */
async function applyQuery(client: HoneycombClient, dataset: string, plan: QueryPlan): Promise<SavedQuery> {
  const { name, description = '', spec } = plan.definition;
  if (plan.current === undefined) {
    const { id: queryId } = await client.createQuery(dataset, spec);
    // The same spec gives the same id: an annotation of this name may point at it after all (the API may
    // write a spec back differently than it was defined).
    plan.current = plan.superseded.find((a) => a.query_id === queryId);
    plan.superseded = plan.superseded.filter((a) => a !== plan.current);
    if (plan.current === undefined) {
      try {
        const created = await client.createAnnotation(dataset, { name, description, query_id: queryId });
        return { annotationId: created.id, queryId };
      } catch (error) {
        throw new Error(`query ${queryId} saved; then creating its annotation failed: ${errorMessage(error)}`, { cause: error });
      }
    }
  }
  if ((plan.current.description ?? '') !== description) await client.updateAnnotation(dataset, plan.current.id, { name, description, query_id: plan.current.query_id });
  return { annotationId: plan.current.id, queryId: plan.current.query_id };
}

async function applyBoard(client: HoneycombClient, plan: BoardPlan, queries: QueryPlan[]): Promise<ApplyOutcome> {
  const panels = desiredPanels(plan.definition, queries);
  const ready = panels.flatMap(({ style, saved }) => (saved ? [{ style, saved }] : []));
  if (ready.length < panels.length) {
    const missing = panels.filter((panel) => panel.saved === undefined).map((panel) => `"${panel.name}"`);
    return { item: plan.item, status: 'not attempted', message: `its panels need the queries ${missing.join(', ')}, which failed` };
  }
  const board: BoardInput = {
    name: plan.definition.name,
    description: plan.definition.description ?? '',
    type: 'flexible',
    // Honeycomb lays the panels out in their order.
    layout_generation: 'auto',
    panels: ready.map(({ style, saved }) => ({
      type: 'query',
      query_panel: { query_id: saved.queryId, query_annotation_id: saved.annotationId, query_style: style },
    })),
  };
  try {
    if (plan.existing) await client.updateBoard(plan.existing.id, board);
    else await client.createBoard(board);
    return { item: plan.item, status: 'done' };
  } catch (error) {
    return { item: plan.item, status: 'failed', message: errorMessage(error), outage: isOutage(error) };
  }
}
