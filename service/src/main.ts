/**
 * The process: `node dist/src/main.js`. It reads the configuration once, starts OpenTelemetry with it, and only
 * then loads the service (serve.ts): OpenTelemetry instruments http as it is required, so nothing that requires
 * it (koa, the app, the telemetry destinations) may load before. Hence the few imports below, and the require.
 */
import './source-maps';
import { ConfigError, loadConfig } from './config';
import { startOpenTelemetry } from './telemetry/opentelemetry';

async function main(): Promise<void> {
  const config = loadConfig();
  const openTelemetry = startOpenTelemetry(config);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only once OpenTelemetry runs
  const { serve } = require('./serve') as typeof import('./serve');
  await serve(config, openTelemetry);
}

main().catch((err: unknown) => {
  // A configuration error is the operator's to fix: one readable line, no stack trace.
  process.stderr.write(`${err instanceof ConfigError ? err.message : `Failed to start: ${String(err)}`}\n`);
  process.exit(1);
});
