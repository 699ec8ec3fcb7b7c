import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * The observability definitions (service/observability/*.yaml): read, ${placeholders} resolved from the
 * service's names, checked against schema.json and for cross-references, before anything calls an API.
 */

/** service/observability, from dist/src/observability in a checkout and /app/dist/src/observability in the image. */
export const DEFINITIONS_DIR = path.resolve(__dirname, '../../../service/observability');

export const FILES = { honeycomb: 'honeycomb.yaml', xray: 'xray.yaml', cloudwatch: 'cloudwatch.yaml' } as const;

export interface Calculation {
  op: string;
  column?: string;
}

export interface QuerySpec {
  calculated_fields?: { name: string; expression: string }[];
  calculations: Calculation[];
  filters?: { column: string; op: string; value?: string | number | boolean | (string | number)[] }[];
  filter_combination?: 'AND' | 'OR';
  breakdowns?: string[];
  orders?: { op?: string; column?: string; order?: 'ascending' | 'descending' }[];
  limit?: number;
  time_range?: number;
  granularity?: number;
}

export interface QueryDefinition {
  name: string;
  description?: string;
  spec: QuerySpec;
}

export type PanelStyle = 'graph' | 'table' | 'combo';

export interface BoardDefinition {
  name: string;
  description?: string;
  /** `style` is filled in from the schema's default. */
  panels: { query: string; style: PanelStyle }[];
}

export interface SamplingRuleDefinition {
  name: string;
  priority: number;
  fixed_rate: number;
  reservoir_size: number;
  service_name: string;
  service_type: string;
  host: string;
  http_method: string;
  url_path: string;
  resource_arn: string;
  version: 1;
}

export interface GroupDefinition {
  name: string;
  filter_expression: string;
}

export interface LogGroupDefinition {
  name: string;
  retention_in_days: number;
}

export interface Definitions {
  honeycomb: { queries: QueryDefinition[]; board: BoardDefinition };
  xray: { sampling_rules: SamplingRuleDefinition[]; groups: GroupDefinition[] };
  cloudwatch: { log_groups: LogGroupDefinition[] };
}

/** The values `${name}` placeholders resolve to. */
export type Placeholders = Record<string, string>;

export class DefinitionsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid observability definitions:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'DefinitionsError';
  }
}

type System = keyof typeof FILES;

export function loadDefinitions(placeholders: Placeholders, dir: string = DEFINITIONS_DIR): Definitions {
  const problems: string[] = [];
  const documents: Record<string, unknown> = {};
  for (const system of Object.keys(FILES) as System[]) {
    const file = FILES[system];
    try {
      const raw: unknown = parse(readFileSync(path.join(dir, file), 'utf8'));
      documents[system] = resolvePlaceholders(raw, placeholders, (where, name) => {
        problems.push(`${file}: ${where || '/'}: unknown placeholder \${${name}} (known: ${Object.keys(placeholders).join(', ')})`);
      });
    } catch (error) {
      problems.push(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (problems.length > 0) throw new DefinitionsError(problems);

  const validate = compileSchema(dir);
  if (!validate(documents)) {
    throw new DefinitionsError(
      (validate.errors ?? []).map((e) => {
        const [, system = '', ...rest] = e.instancePath.split('/');
        const file = (FILES as Record<string, string | undefined>)[system] ?? 'definitions';
        return `${file}: /${rest.join('/')}: ${e.message ?? 'is invalid'}${describeParams(e.params)}`;
      }),
    );
  }
  const definitions = documents as unknown as Definitions;
  const references = checkReferences(definitions);
  if (references.length > 0) throw new DefinitionsError(references);
  return definitions;
}

function compileSchema(dir: string): ReturnType<Ajv['compile']> {
  const schema = JSON.parse(readFileSync(path.join(dir, 'schema.json'), 'utf8')) as object;
  // useDefaults fills in defaults such as a panel's style, so the reconcilers see one shape.
  return new Ajv({ allErrors: true, useDefaults: true, allowUnionTypes: true }).compile(schema);
}

/** Ajv's "must be equal to one of the allowed values" says which values only in params. */
function describeParams(params: Record<string, unknown>): string {
  if (Array.isArray(params.allowedValues)) return ` (${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')})`;
  if (typeof params.additionalProperty === 'string') return ` (${params.additionalProperty})`;
  return '';
}

/** Replaces `${name}` in every string; reports each unknown name with where it was found (a JSON pointer). */
function resolvePlaceholders(value: unknown, placeholders: Placeholders, unknown: (where: string, name: string) => void, where = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([^}]*)\}/g, (match, name: string) => {
      const resolved = placeholders[name];
      if (resolved === undefined) unknown(where, name);
      return resolved ?? match;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => resolvePlaceholders(item, placeholders, unknown, `${where}/${i}`));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, resolvePlaceholders(item, placeholders, unknown, `${where}/${key}`)]),
    );
  }
  return value;
}

/** The time range Honeycomb gives a query that sets none. */
const DEFAULT_TIME_RANGE = 7200;

/** What the schema cannot say: unique names, panels and orders that point at something defined, and the query
 * rules the Honeycomb API enforces (no ordering by HEATMAP, a granularity within time_range/1000 … time_range). */
function checkReferences(definitions: Definitions): string[] {
  const problems: string[] = [];
  const { queries, board } = definitions.honeycomb;
  const duplicates = (names: string[]): string[] => [...new Set(names.filter((name, i) => names.indexOf(name) !== i))];
  const unique = (file: string, what: string, names: string[]): void => {
    for (const name of duplicates(names)) problems.push(`${file}: ${what} "${name}" is defined more than once`);
  };
  unique(FILES.honeycomb, 'query', queries.map((q) => q.name));
  unique(FILES.honeycomb, 'board panel for query', board.panels.map((p) => p.query));
  unique(FILES.xray, 'sampling rule', definitions.xray.sampling_rules.map((r) => r.name));
  unique(FILES.xray, 'group', definitions.xray.groups.map((g) => g.name));
  unique(FILES.cloudwatch, 'log group', definitions.cloudwatch.log_groups.map((g) => g.name));

  const names = new Set(queries.map((q) => q.name));
  board.panels.forEach((panel, i) => {
    if (!names.has(panel.query)) problems.push(`${FILES.honeycomb}: /board/panels/${i}: no query is named "${panel.query}"`);
  });
  queries.forEach((query, q) => {
    const { calculations, breakdowns = [], orders = [], granularity, time_range: timeRange = DEFAULT_TIME_RANGE } = query.spec;
    const where = `${FILES.honeycomb}: /queries/${q}/spec`;
    if (granularity !== undefined && (granularity * 1000 < timeRange || granularity > timeRange)) {
      problems.push(
        `${where}/granularity: query "${query.name}" has a granularity of ${granularity} s; Honeycomb takes ${Math.ceil(timeRange / 1000)} to ${timeRange} s for a time_range of ${timeRange} s`,
      );
    }
    orders.forEach((order, o) => {
      if (order.op === 'HEATMAP') {
        problems.push(`${where}/orders/${o}: query "${query.name}" cannot be ordered by a HEATMAP, which Honeycomb refuses: order by another calculation or a breakdown`);
        return;
      }
      const known =
        order.op === undefined
          ? breakdowns.includes(order.column ?? '')
          : calculations.some((c) => c.op === order.op && c.column === order.column);
      if (!known) {
        problems.push(`${where}/orders/${o}: orders must name a calculation (op and column) or a breakdown (column)`);
      }
    });
  });
  return problems;
}
