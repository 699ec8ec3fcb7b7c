import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { XRayClient } from '@aws-sdk/client-xray';
import { ConfigError, type Env } from '../config.js';
import { clientOptions } from './aws.js';
import { cloudwatchSystem } from './cloudwatch.js';
import { EXIT } from './exit-codes.js';
import { DEFINITIONS_DIR, DefinitionsError, loadDefinitions, type Definitions } from './definitions.js';
import { HoneycombClient } from './honeycomb-client.js';
import { honeycombSystem } from './honeycomb.js';
import { errorMessage, type ApplyOutcome, type System } from './plan.js';
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
  write: (text: string) => void;
}

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
        new HoneycombClient({ apiUrl: settings.honeycomb.apiUrl, configurationKey: settings.honeycomb.configurationKey ?? '' }),
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
    const unplanned = results.some((r) => r.status !== 'planned');
    if (options.command === 'plan') return results.some((r) => r.status === 'failed') ? EXIT.failed : EXIT.ok;

    if (unplanned) {
      options.write(`\nNot applied to: ${results.filter((r) => r.status !== 'planned').map((r) => `${r.title} (${r.reason})`).join('; ')}.\n`);
    }
    const applied = await Promise.all(
      results.map(async (r) => ({ title: r.title, outcomes: r.status === 'planned' ? await r.plan.apply() : ([] as ApplyOutcome[]) })),
    );
    options.write(`\n${formatOutcomes(applied)}`);
    const allDone = applied.every((a) => a.outcomes.every((o) => o.status === 'done'));
    return allDone && !unplanned ? EXIT.ok : EXIT.failed;
  } finally {
    xray.destroy();
    logs.destroy();
  }
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
    return { title, target, status: 'failed', reason: errorMessage(error) };
  }
}
