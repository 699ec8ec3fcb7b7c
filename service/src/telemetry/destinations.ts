import { setTimeout as sleep } from 'node:timers/promises';
import { type DiagLogger, DiagLogLevel, diag, trace } from '@opentelemetry/api';
import { diagLogLevelFromString } from '@opentelemetry/core';
import type { Context, Middleware } from 'koa';
import type { Config } from '../config';
import { currentRequestContext, outsideRequestContext } from '../request/context';
import { matchedRoute } from '../request/matched-route';
import { type CloudWatchTransport, createCloudWatchTransport } from './cloudwatch-transport';
import { ErrorReporter } from './error-reporter';
import { createLogger, type Logger } from './logger';
import type { OpenTelemetryHandle } from './opentelemetry';
import { requestTracing } from './request-tracing';
import { KeepPolicy } from './sampling/keep-policy';
import { XRayRecorder } from './xray-recorder';

/** Each flush gets at most this long; together they fit the shutdown deadline after the HTTP drain. */
const FLUSH_TIMEOUT_MS = { rollbar: 3_000, cloudwatch: 5_000, opentelemetry: 5_000 } as const;

/** A flush for the process's shutdown, bounded by its timeout (serve.ts hands them to the lifecycle). */
export interface TelemetryFlush {
  name: string;
  run: () => Promise<void>;
  timeoutMs: number;
}

export interface Telemetry {
  logger: Logger;
  /** Joins each request to its trace (X-Ray segment, response headers, log fields). */
  requestTracing: Middleware;
  /** Records a request's unexpected error on its span and segment, and reports it to Rollbar. */
  onServerError: (err: unknown, ctx: Context) => void;
  /** `/rollbar/test`: false when Rollbar is disabled. */
  reportWarning: (message: string) => boolean;
  /** For uncaught exceptions: log, report, flush (bounded). The caller exits afterwards. */
  reportFatal: (kind: string, err: unknown) => Promise<void>;
  /** In the order shutdown must run them: Rollbar, OpenTelemetry, then CloudWatch. */
  flushes: TelemetryFlush[];
}

/** The SDK hands some errors over as JSON text (stack included): keep their message and code. */
function diagSummary(message: string): string {
  try {
    const parsed = JSON.parse(message) as { message?: unknown; code?: unknown };
    if (typeof parsed.message === 'string') return typeof parsed.code === 'string' ? `${parsed.message} (${parsed.code})` : parsed.message;
  } catch {
    // plain text already
  }
  return message;
}

/** The OpenTelemetry SDK's own messages (an unreachable collector, dropped spans) go to our log, one line each. */
function diagLogger(logger: Logger): DiagLogger {
  const log = (level: 'warn' | 'info' | 'debug') => (message: string, ...args: unknown[]) => {
    const details = args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' ');
    // The exporter's timers start inside whichever request ended the first span: its ids would mislead here.
    outsideRequestContext(() =>
      logger.log(level, `opentelemetry: ${diagSummary(message)}`, { component: 'opentelemetry', details: details || undefined }),
    );
  };
  // An SDK error is ours to know of, not a failed request: a warning. OTEL_LOG_LEVEL chooses what gets this far.
  return { error: log('warn'), warn: log('warn'), info: log('info'), debug: log('debug'), verbose: log('debug') };
}

/** Starts every telemetry destination the configuration enables, and says how to flush each at shutdown. */
export function startTelemetry(config: Config, openTelemetry: OpenTelemetryHandle): Telemetry {
  const { cloudwatch: cw, xray: xrayConfig } = config.telemetry;
  let cloudwatch: CloudWatchTransport | undefined;
  if (cw.logGroup) {
    cloudwatch = createCloudWatchTransport({
      logGroupName: cw.logGroup,
      logStreamName: cw.logStream,
      region: cw.region,
      endpoint: cw.endpoint,
      flushIntervalMs: cw.flushIntervalMs,
    });
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, transports: cloudwatch ? [cloudwatch] : [] });
  logger.info(cloudwatch ? 'cloudwatch logs enabled' : 'cloudwatch logs disabled: CLOUDWATCH_LOG_GROUP is not set', {
    log_group: cw.logGroup,
    log_stream: cloudwatch ? cw.logStream : undefined,
  });
  if (openTelemetry.enabled) {
    const logLevel = diagLogLevelFromString(config.telemetry.otel.logLevel) ?? DiagLogLevel.WARN;
    diag.setLogger(diagLogger(logger), { logLevel, suppressOverrideMessage: true });
  }
  logger.info(openTelemetry.enabled ? 'opentelemetry enabled' : 'opentelemetry disabled', {
    service_name: config.telemetry.serviceName,
    endpoint: process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318',
  });
  const { sampling } = config.telemetry;
  const decidesAtEnd = sampling.mode === 'request-end';
  const xray = xrayConfig.enabled ? XRayRecorder.start(xrayConfig, config.telemetry.serviceVersion, logger, { rules: !decidesAtEnd }) : undefined;
  logger.info(xray ? 'x-ray enabled' : 'x-ray disabled', {
    daemon: xray ? xrayConfig.daemonAddress : undefined,
    centralized_sampling: xray && !decidesAtEnd ? xrayConfig.centralizedSampling : undefined,
  });
  logger.info('trace sampling', { ...sampling });
  const errors = ErrorReporter.start(config, logger);

  // CloudWatch flushes last, so that it ships what the other flushes logged (spans lost, each hook's outcome).
  const flushes: TelemetryFlush[] = [];
  if (errors) flushes.push({ name: 'rollbar', run: () => errors.flush(FLUSH_TIMEOUT_MS.rollbar), timeoutMs: FLUSH_TIMEOUT_MS.rollbar });
  const flushOpenTelemetry = async () => {
    // Bounded here (not only by the lifecycle) so that spans an unreachable collector never got are said lost.
    const flushed = await Promise.race([
      openTelemetry.shutdown().then(() => true),
      sleep(FLUSH_TIMEOUT_MS.opentelemetry - 250, false, { ref: false }),
    ]);
    const lost = flushed ? 0 : openTelemetry.abandonPendingSpans();
    if (lost > 0) logger.warn(`opentelemetry: ${lost} spans not delivered before shutdown`, { component: 'opentelemetry' });
  };
  flushes.push({ name: 'opentelemetry', run: flushOpenTelemetry, timeoutMs: FLUSH_TIMEOUT_MS.opentelemetry });
  if (cloudwatch) {
    const transport = cloudwatch;
    flushes.push({ name: 'cloudwatch', run: () => transport.flush(FLUSH_TIMEOUT_MS.cloudwatch), timeoutMs: FLUSH_TIMEOUT_MS.cloudwatch });
  }

  const onServerError = (err: unknown, ctx: Context) => {
    const error = err instanceof Error ? err : new Error(String(err));
    const context = currentRequestContext();
    trace.getActiveSpan()?.recordException(error);
    context?.trace?.segment?.addError(error);
    errors?.requestError(error, ctx.req, { route: matchedRoute(ctx), context });
  };

  const reportFatal = async (kind: string, err: unknown) => {
    logger.error(kind, { err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) });
    errors?.message('critical', err instanceof Error ? err : new Error(String(err)), undefined, { kind });
    // The crashing request's spans wait in the batch processor: flushed too, or they die with the process.
    await Promise.all([errors?.flush(FLUSH_TIMEOUT_MS.rollbar), flushOpenTelemetry(), cloudwatch?.flush(FLUSH_TIMEOUT_MS.cloudwatch)]);
  };

  const reportWarning = (message: string) => {
    errors?.message('warning', message, currentRequestContext());
    return errors !== undefined;
  };

  let tracingFailures = 0;
  const tracing = requestTracing({
    xray,
    keep: decidesAtEnd ? { policy: new KeepPolicy(sampling), tellSpans: openTelemetry.decide } : undefined,
    onFailure: (stage, err) => {
      tracingFailures += 1;
      logger.error('request tracing failed: the request goes on without it', {
        stage,
        err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err),
        failures_since_start: tracingFailures,
      });
    },
  });
  return { logger, requestTracing: tracing, onServerError, reportWarning, reportFatal, flushes };
}
