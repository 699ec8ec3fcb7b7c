import { PassThrough } from 'node:stream';
import type Koa from 'koa';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import { type Config, loadConfig } from '../../src/config';
import { Lifecycle } from '../../src/framework/lifecycle';
import { createLogger } from '../../src/telemetry/logger';
import { requestTracing } from '../../src/telemetry/request-tracing';

export interface TestApp {
  app: Koa;
  config: Config;
  lifecycle: Lifecycle;
  /** Every log line written so far, parsed. */
  logs: Record<string, unknown>[];
  request: () => ReturnType<typeof supertest>;
  serverErrors: unknown[];
  /** Messages /rollbar/test reported. */
  warnings: string[];
}

/** A fresh app per test, configured as from `env`, with its logs captured instead of printed. */
export function buildApp(env: Record<string, string> = {}): TestApp {
  const config = loadConfig(env);
  const lines = new PassThrough();
  const logs: Record<string, unknown>[] = [];
  lines.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  const logger = createLogger({ level: 'debug', format: 'json', stream: lines });
  const lifecycle = new Lifecycle();
  const serverErrors: unknown[] = [];
  const warnings: string[] = [];
  const app = createApp({
    config,
    logger,
    lifecycle,
    telemetry: {
      requestTracing: requestTracing(),
      onServerError: (err) => serverErrors.push(err),
      reportWarning: (message) => warnings.push(message) > 0,
    },
  });
  // callback() composes the middleware: call it per request so tests may append middleware first.
  return { app, config, lifecycle, logs, serverErrors, warnings, request: () => supertest(app.callback()) };
}
