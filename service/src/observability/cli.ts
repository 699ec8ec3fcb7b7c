import { parseArgs } from 'node:util';
import { EXIT } from './exit-codes.js';
import { runMarker } from './marker-command.js';
import { run, SYSTEMS, type SystemId } from './run.js';

/**
 * `npm run observability -- plan|apply [--only honeycomb,xray,cloudwatch] [--definitions <dir>]`:
 * reconciles the saved Honeycomb queries and board, the X-Ray sampling rule and groups, and the CloudWatch
 * log group with service/observability/*.yaml.
 * `npm run observability -- marker [--best-effort]`: the Honeycomb deploy marker of this version.
 */

const USAGE = `Usage: npm run observability -- <plan|apply> [--only <system,...>] [--definitions <dir>] [--tolerate-outage]
       npm run observability -- marker [--best-effort]

  plan    show what apply would create or update (no changes)
  apply   create or update what differs; a second run changes nothing
  marker  create the Honeycomb deploy marker of this version (GIT_SHA) unless it is there already

  --only          ${SYSTEMS.join(', ')} (default: all)
  --definitions   folder of honeycomb.yaml, xray.yaml, cloudwatch.yaml and schema.json
  --best-effort   marker: exit 0 even when no marker could be created (the message says why)
  --tolerate-outage  plan, apply: exit 0, not 3, when an API was unreachable or answering 5xx after the retries
                  and nothing else was wrong (a line starting OUTCOME: DEFERRED says what was not applied)

Exit codes: 0 done; 1 refused or failed (keys, permissions, partly applied); 2 invalid configuration or
definitions; 3 an outage only (see --tolerate-outage).

Environment: the service's own (OTEL_SERVICE_NAME, AWS_XRAY_TRACING_NAME, CLOUDWATCH_LOG_GROUP, AWS_REGION, GIT_SHA),
HONEYCOMB_CONFIGURATION_KEY, HONEYCOMB_API_URL, AWS credentials (default chain), XRAY_ENDPOINT, CLOUDWATCH_ENDPOINT,
SOURCE_REPOSITORY_URL (the marker's link to the commit).
`;

export type CommandLine =
  | { command: 'plan' | 'apply'; only?: SystemId[]; definitionsDir?: string; tolerateOutage?: boolean }
  | { command: 'marker'; bestEffort: boolean };

export function parseCommandLine(argv: string[]): CommandLine | string {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { only: { type: 'string' }, definitions: { type: 'string' }, 'best-effort': { type: 'boolean' }, 'tolerate-outage': { type: 'boolean' } },
    });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const { positionals, values } = parsed;
  const [command, ...extra] = positionals;
  if ((command !== 'plan' && command !== 'apply' && command !== 'marker') || extra.length > 0) {
    return `expected "plan", "apply" or "marker", got "${positionals.join(' ')}"`;
  }
  if (command === 'marker') {
    if (values.only !== undefined || values.definitions !== undefined || values['tolerate-outage'] !== undefined) {
      return 'marker takes neither --only, --definitions nor --tolerate-outage (--best-effort covers outages)';
    }
    return { command, bestEffort: values['best-effort'] ?? false };
  }
  if (values['best-effort'] !== undefined) return `--best-effort is for marker, not ${command}`;
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((id) => !(SYSTEMS as readonly string[]).includes(id)) ?? [];
  if (unknown.length > 0) return `--only: unknown system(s) ${unknown.join(', ')}`;
  return {
    command,
    ...(only === undefined ? {} : { only: only as SystemId[] }),
    ...(values.definitions === undefined ? {} : { definitionsDir: values.definitions }),
    ...(values['tolerate-outage'] === true ? { tolerateOutage: true } : {}),
  };
}

async function main(): Promise<void> {
  const parsed = parseCommandLine(process.argv.slice(2));
  if (typeof parsed === 'string') {
    process.stderr.write(`${parsed}\n\n${USAGE}`);
    process.exitCode = EXIT.invalid;
    return;
  }
  const write = (text: string) => process.stdout.write(text);
  process.exitCode =
    parsed.command === 'marker'
      ? await runMarker({ env: process.env, bestEffort: parsed.bestEffort, write })
      : await run({ ...parsed, env: process.env, write });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT.failed;
  });
}
