/**
 * The plan: per system, each defined item with what applying would do to it, and the outcome of doing it.
 */

export type Action = 'create' | 'update' | 'unchanged';

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface PlannedItem {
  /** What it is in that system: "query", "board", "sampling rule"... */
  kind: string;
  name: string;
  action: Action;
  /** For updates: the fields that differ. */
  changes: FieldChange[];
}

export type ApplyStatus = 'done' | 'failed' | 'not attempted';

export interface ApplyOutcome {
  item: PlannedItem;
  status: ApplyStatus;
  /** Why it failed or was not attempted; for failures, also what was done before the failing step. */
  message?: string;
  /** The API was unreachable or failing on its side (see isOutage), not refusing what was asked. */
  outage?: boolean;
}

export interface SystemPlan {
  items: PlannedItem[];
  /** Makes the planned changes; returns one outcome per item that was not unchanged. */
  apply(): Promise<ApplyOutcome[]>;
}

/** One external system the definitions are reconciled with. */
export interface System {
  /** "Honeycomb", "X-Ray", "CloudWatch Logs". */
  title: string;
  /** Where it reconciles (endpoint, dataset, region), for the plan's heading. */
  target: string;
  /** Why it cannot be reached (a missing variable), if it cannot. */
  unavailable: string | undefined;
  plan(): Promise<SystemPlan>;
}

/** An item's change with the step that makes it. */
export interface Step {
  item: PlannedItem;
  run(): Promise<void>;
}

/** The plan of a system reconciled item by item: applying it runs the step of every item that changes. */
export function stepsPlan(steps: Step[]): SystemPlan {
  return { items: steps.map((step) => step.item), apply: () => runSteps(steps.filter((step) => step.item.action !== 'unchanged')) };
}

/**
 * Runs the steps one after another. A failure fails only its own item: the others still run, and each
 * failure is reported, so nothing is left half-done without saying so.
 */
async function runSteps(steps: Step[]): Promise<ApplyOutcome[]> {
  const outcomes: ApplyOutcome[] = [];
  let down: string | undefined;
  for (const step of steps) {
    if (down !== undefined) {
      // Each call already retried within its bound: the next ones would wait as long, for the same answer.
      outcomes.push({ item: step.item, status: 'not attempted', message: `the API was unavailable: ${down}`, outage: true });
      continue;
    }
    try {
      await step.run();
      outcomes.push({ item: step.item, status: 'done' });
    } catch (error) {
      const outage = isOutage(error);
      if (outage) down = errorMessage(error);
      outcomes.push({ item: step.item, status: 'failed', message: errorMessage(error), outage });
    }
  }
  return outcomes;
}

/**
 * Runs the calls that make one item in order. When a later call fails the item is half-made, so the error
 * says which calls succeeded first: "log group created; then setting retention failed: ...".
 */
export async function inSequence(calls: (readonly [done: string, call: () => Promise<unknown>])[]): Promise<void> {
  const completed: string[] = [];
  for (const [done, call] of calls) {
    try {
      await call();
    } catch (error) {
      if (completed.length === 0) throw error;
      throw new Error(`${completed.join(', ')}; then: ${errorMessage(error)}`, { cause: error });
    }
    completed.push(done);
  }
}

/** The fields of `desired` whose value differs in `actual`, compared by content (see sameValue). */
export function diffFields(actual: Record<string, unknown>, desired: Record<string, unknown>, prefix = ''): FieldChange[] {
  return Object.keys(desired)
    .filter((field) => !sameValue(actual[field], desired[field]))
    .map((field) => ({ field: `${prefix}${field}`, from: actual[field], to: desired[field] }));
}

/**
 * Deep equality as the APIs mean it: objects by their keys whatever their order (an API may give fields back in
 * another order than they were sent), a key holding undefined as no key, arrays element by element in order
 * (panels, calculations and filters are ordered).
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  const keys = (record: Record<string, unknown>) => Object.keys(record).filter((key) => record[key] !== undefined);
  const aKeys = keys(a);
  return aKeys.length === keys(b).length && aKeys.every((key) => Object.hasOwn(b, key) && sameValue(a[key], b[key]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Network failures that mean "not reachable now", whoever raises them (Node's sockets, undici, the AWS SDK). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);
const THROTTLING = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded']);

/**
 * Whether an error, or one it was caused by, says the API is down or overloaded rather than refusing the request:
 * no answer (refused, reset, DNS, timeout), a 5xx, or rate limiting that outlasted the retries. A 4xx (bad key,
 * missing permission, invalid input) is not an outage: it fails the same way on the next release.
 */
export function isOutage(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth += 1) {
    const { name, code, status, $metadata } = current as Error & { code?: unknown; status?: unknown; $metadata?: { httpStatusCode?: number } };
    const httpStatus = typeof status === 'number' ? status : $metadata?.httpStatusCode;
    if (httpStatus !== undefined) return httpStatus >= 500 || httpStatus === 429 || THROTTLING.has(name);
    if (name === 'TimeoutError' || (typeof code === 'string' && UNREACHABLE_CODES.has(code))) return true;
  }
  return false;
}

export function planItem(kind: string, name: string, actual: Record<string, unknown> | undefined, desired: Record<string, unknown>): PlannedItem {
  if (actual === undefined) return { kind, name, action: 'create', changes: [] };
  const changes = diffFields(actual, desired);
  return { kind, name, action: changes.length > 0 ? 'update' : 'unchanged', changes };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
