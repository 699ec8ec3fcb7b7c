import { parseArgs } from 'node:util';
import { EXIT, run, SYSTEMS, type SystemId } from './run.js';

/**
 * `npm run observability -- plan|apply [--only honeycomb,xray,cloudwatch] [--definitions <dir>]`:
 * reconciles the saved Honeycomb queries and board, the X-Ray sampling rule and groups, and the CloudWatch
 * log group with service/observability/*.yaml.
 */

const USAGE = `Usage: npm run observability -- <plan|apply> [--only <system,...>] [--definitions <dir>]

  plan    show what apply would create or update (no changes)
  apply   create or update what differs; a second run changes nothing

  --only          ${SYSTEMS.join(', ')} (default: all)
  --definitions   folder of honeycomb.yaml, xray.yaml, cloudwatch.yaml and schema.json

Environment: the service's own (OTEL_SERVICE_NAME, AWS_XRAY_TRACING_NAME, CLOUDWATCH_LOG_GROUP, AWS_REGION),
HONEYCOMB_CONFIGURATION_KEY, HONEYCOMB_API_URL, AWS credentials (default chain), XRAY_ENDPOINT, CLOUDWATCH_ENDPOINT.
`;

export function parseCommandLine(argv: string[]): { command: 'plan' | 'apply'; only?: SystemId[]; definitionsDir?: string } | string {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { only: { type: 'string' }, definitions: { type: 'string' } } });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const { positionals, values } = parsed;
  const [command, ...extra] = positionals;
  if ((command !== 'plan' && command !== 'apply') || extra.length > 0) return `expected "plan" or "apply", got "${positionals.join(' ')}"`;
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((id) => !(SYSTEMS as readonly string[]).includes(id)) ?? [];
  if (unknown.length > 0) return `--only: unknown system(s) ${unknown.join(', ')}`;
  return {
    command,
    ...(only === undefined ? {} : { only: only as SystemId[] }),
    ...(values.definitions === undefined ? {} : { definitionsDir: values.definitions }),
  };
}

async function main(): Promise<void> {
  const parsed = parseCommandLine(process.argv.slice(2));
  if (typeof parsed === 'string') {
    process.stderr.write(`${parsed}\n\n${USAGE}`);
    process.exitCode = EXIT.invalid;
    return;
  }
  process.exitCode = await run({ ...parsed, env: process.env, write: (text) => process.stdout.write(text) });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT.failed;
  });
}
