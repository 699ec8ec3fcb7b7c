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
  for (const step of steps) {
    try {
      await step.run();
      outcomes.push({ item: step.item, status: 'done' });
    } catch (error) {
      outcomes.push({ item: step.item, status: 'failed', message: errorMessage(error) });
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

/** The fields of `desired` whose value differs in `actual` (compared as JSON, so arrays and objects by content). */
export function diffFields(actual: Record<string, unknown>, desired: Record<string, unknown>, prefix = ''): FieldChange[] {
  return Object.keys(desired)
    .filter((field) => JSON.stringify(actual[field]) !== JSON.stringify(desired[field]))
    .map((field) => ({ field: `${prefix}${field}`, from: actual[field], to: desired[field] }));
}

export function planItem(kind: string, name: string, actual: Record<string, unknown> | undefined, desired: Record<string, unknown>): PlannedItem {
  if (actual === undefined) return { kind, name, action: 'create', changes: [] };
  const changes = diffFields(actual, desired);
  return { kind, name, action: changes.length > 0 ? 'update' : 'unchanged', changes };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
