import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { XRayClient } from '@aws-sdk/client-xray';
import { ConfigError, type Env } from '../config.js';
import { clientOptions } from './aws.js';
import { cloudwatchSystem } from './cloudwatch.js';
import { EXIT } from './exit-codes.js';
import { DEFINITIONS_DIR, DefinitionsError, loadDefinitions, type Definitions } from './definitions.js';
import { HoneycombClient, type HoneycombClientOptions } from './honeycomb-client.js';
import { honeycombSystem } from './honeycomb.js';
import { errorMessage, isOutage, type ApplyOutcome, type System } from './plan.js';
import { formatOutcomes, formatPlan, type SystemResult } from './report.js';
import { loadSettings, placeholders, type Settings } from './settings.js';
import { xraySystem } from './xray-rules-and-groups.js';

export const SYSTEMS = ['honeycomb', 'xray', 'cloudwatch'] as const;
export type SystemId = (typeof SYSTEMS)[number];

export interface RunOptions {
  command: 'plan' | 'apply';
  env: Env;
  /** Default: service/observability. */
  definitionsDir?: string;
  /** Default: every system. */
  only?: SystemId[];
  /**
   * Exit 0 when the only trouble was an outage (an API unreachable, timing out or answering 5xx after the retries),
   * after saying loudly what was not applied: for the chart's hook, so that an outage does not fail the release.
   */
  tolerateOutage?: boolean;
  /** Retry and timeout limits of the Honeycomb client (tests shorten the waits). */
  honeycombLimits?: Pick<HoneycombClientOptions, 'maxAttempts' | 'maxDelayMs' | 'requestTimeoutMs'>;
  write: (text: string) => void;
}

/**
 * Each Honeycomb call gives up after 5 attempts, 15 s each at most, 1 + 2 + 4 + 8 s apart: about 90 s against an
 * API that hangs, so that the hook Job ends (and says why) well before its activeDeadlineSeconds (240 s).
 */
const HONEYCOMB_LIMITS = { maxAttempts: 5, maxDelayMs: 10_000, requestTimeoutMs: 15_000 };

/**
 * Plans (and, for `apply`, makes) the changes that bring every system in line with the definitions.
 * `plan` skips a system it cannot reach for want of a variable and says so; `apply` counts that as a failure.
 */
export async function run(options: RunOptions): Promise<number> {
  const loaded = load(options);
  if (typeof loaded === 'string') {
    options.write(`${loaded}\nNothing was planned or changed.\n`);
    return EXIT.invalid;
  }
  const { settings, definitions } = loaded;

  const xray = new XRayClient(clientOptions(settings.aws, settings.aws.xrayEndpoint));
  const logs = new CloudWatchLogsClient(clientOptions(settings.aws, settings.aws.cloudwatchEndpoint));
  try {
    const all: Record<SystemId, System> = {
      honeycomb: honeycombSystem(
        definitions.honeycomb,
        settings.honeycomb,
        settings.names.dataset,
        new HoneycombClient({
          apiUrl: settings.honeycomb.apiUrl,
          configurationKey: settings.honeycomb.configurationKey ?? '',
          ...HONEYCOMB_LIMITS,
          ...options.honeycombLimits,
        }),
      ),
      xray: xraySystem(definitions.xray, settings.aws, xray),
      cloudwatch: cloudwatchSystem(definitions.cloudwatch, settings.aws, logs),
    };
    const systems = (options.only ?? SYSTEMS).map((id) => all[id]);
    const { names } = settings;
    options.write(
      `${options.command === 'plan' ? 'Plan' : 'Apply'} for service ${names.serviceName}: Honeycomb dataset ${names.dataset}, ` +
        `X-Ray name ${names.xrayName}, log group ${names.logGroup}\n\n`,
    );

    const results = await Promise.all(systems.map(planSystem));
    options.write(formatPlan(results));
    const failed = results.filter((r) => r.status === 'failed');
    if (options.command === 'plan') {
      const verdict = failed.length === 0 ? EXIT.ok : failed.every((r) => r.outage) ? EXIT.unavailable : EXIT.failed;
      return outcome(verdict, failed.map((r) => r.title), options);
    }

    const unplanned = results.filter((r) => r.status !== 'planned');
    if (unplanned.length > 0) {
      options.write(`\nNot applied to: ${unplanned.map((r) => `${r.title} (${r.reason})`).join('; ')}.\n`);
    }
    const applied = await Promise.all(
      results.map(async (r) => ({ title: r.title, outcomes: r.status === 'planned' ? await r.plan.apply() : ([] as ApplyOutcome[]) })),
    );
    options.write(`\n${formatOutcomes(applied)}`);
    // An item not attempted for want of another (a board whose query failed) follows that one's verdict.
    const refused =
      results.some((r) => r.status === 'skipped' || (r.status === 'failed' && !r.outage)) ||
      applied.some((a) => a.outcomes.some((o) => o.status === 'failed' && o.outage !== true));
    const down = [...failed.map((r) => r.title), ...applied.filter((a) => a.outcomes.some((o) => o.outage === true)).map((a) => a.title)];
    const verdict = refused ? EXIT.failed : down.length > 0 ? EXIT.unavailable : EXIT.ok;
    return outcome(verdict, down, options);
  } finally {
    xray.destroy();
    logs.destroy();
  }
}

/**
 * The exit code, and for an outage one line that cannot be missed in the hook's log (helm prints it): what was not
 * applied, that the release goes on (with tolerateOutage), and how to catch up.
 */
function outcome(verdict: number, down: string[], options: RunOptions): number {
  if (verdict !== EXIT.unavailable) return verdict;
  const what = options.command === 'plan' ? 'planned' : 'applied';
  const goesOn = options.tolerateOutage ? 'exiting 0 (--tolerate-outage) so the release goes on' : `exit code ${EXIT.unavailable}`;
  options.write(
    `\nOUTCOME: DEFERRED. ${[...new Set(down)].join(', ')} unreachable or failing on their side after retries: not ${what}; ${goesOn}. ` +
      'Nothing else is wrong: run `make observability-apply` (or the next helm upgrade) once they answer.\n',
  );
  return options.tolerateOutage ? EXIT.ok : EXIT.unavailable;
}

/** The settings and definitions, or what is wrong with them: checked before any call. */
function load(options: RunOptions): { settings: Settings; definitions: Definitions } | string {
  try {
    const settings = loadSettings(options.env);
    return { settings, definitions: loadDefinitions(placeholders(settings), options.definitionsDir ?? DEFINITIONS_DIR) };
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DefinitionsError) return error.message;
    throw error;
  }
}

async function planSystem(system: System): Promise<SystemResult> {
  const { title, target, unavailable } = system;
  if (unavailable !== undefined) return { title, target, status: 'skipped', reason: unavailable };
  try {
    return { title, target, status: 'planned', plan: await system.plan() };
  } catch (error) {
    return { title, target, status: 'failed', reason: errorMessage(error), outage: isOutage(error) };
  }
}
