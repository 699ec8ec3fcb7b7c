/**
 * The service once OpenTelemetry runs (main.ts loads it then): telemetry destinations, the app, the HTTP server,
 * and shutdown.
 */
import { createApp } from './app';
import type { Config } from './config';
import { Lifecycle } from './framework/lifecycle';
import { startServer } from './framework/server';
import { startTelemetry } from './telemetry/destinations';
import type { OpenTelemetryHandle } from './telemetry/opentelemetry';

const HOOKS_MARGIN_MS = 500;

export async function serve(config: Config, openTelemetry: OpenTelemetryHandle): Promise<void> {
  const lifecycle = new Lifecycle();
  const telemetry = startTelemetry(config, openTelemetry);
  for (const flush of telemetry.flushes) lifecycle.onShutdown(flush);
  const { logger } = telemetry;

  // An error nothing caught: report it, flush what can be flushed in a bounded time, and exit non-zero.
  const fatal = (kind: string) => (err: unknown) => {
    void telemetry.reportFatal(kind, err).finally(() => process.exit(1));
  };
  process.on('uncaughtException', fatal('uncaught exception'));
  process.on('unhandledRejection', fatal('unhandled rejection'));

  const app = createApp({ config, logger, lifecycle, telemetry });
  const { port, drain } = await startServer(app, { port: config.port, keepAliveTimeoutMs: config.keepAliveTimeoutMs });
  logger.info('listening', { port, environment: config.environment, version: config.telemetry.serviceVersion });

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn('second signal: exiting now', { signal });
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    }
    stopping = true;
    // Hooks stop a little before the hard deadline, so a hung backend costs its flush, not a clean exit.
    const deadline = Date.now() + config.shutdownTimeoutMs - HOOKS_MARGIN_MS;
    // The whole shutdown is bounded: past the deadline the process goes, whatever is still pending.
    setTimeout(() => {
      logger.error('shutdown deadline passed: exiting', { timeout_ms: config.shutdownTimeoutMs });
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();

    logger.info('shutting down', { signal, drain_timeout_ms: config.drainTimeoutMs });
    lifecycle.startDraining();
    const drained = await drain(config.drainTimeoutMs);
    logger.info('http server closed', { outcome: drained });
    await lifecycle.runShutdownHooks(deadline, (hook) => {
      logger.info('shutdown hook finished', { hook: hook.name, outcome: hook.outcome, ms: hook.ms });
    });
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, (received) => {
      void shutdown(received);
    });
  }
}
