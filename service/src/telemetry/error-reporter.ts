import { hostname } from 'node:os';
import type { IncomingMessage } from 'node:http';
import Rollbar from 'rollbar';
import type { Config } from '../config';
import type { RequestContext } from '../request/context';
import type { Logger } from './logger';
import { traceLinks } from './trace-links';

/** Header names that may carry credentials: their values never leave the process. */
const SECRET_HEADER = /auth|cookie|token|secret|key|session|password|passwd|signature|credential|honeycomb-team/i;
/** Body or custom fields Rollbar scrubs by name, on top of its own list. */
const SECRET_FIELDS = ['token', 'access_token', 'api_key', 'apiKey', 'secret', 'password', 'authorization', 'cookie'];

export function scrubHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const scrubbed: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    scrubbed[name] = SECRET_HEADER.test(name) ? '********' : Array.isArray(value) ? value.join(', ') : value;
  }
  return scrubbed;
}

export interface ErrorReport {
  route?: string;
  context?: RequestContext;
}

/** Rollbar when ROLLBAR_ACCESS_TOKEN is set; every method is bounded and never throws. */
export class ErrorReporter {
  private constructor(
    private readonly rollbar: Rollbar,
    private readonly logger: Logger,
    private readonly links: Config['telemetry']['links'],
  ) {}

  static start(config: Config, logger: Logger): ErrorReporter | undefined {
    const { accessToken, endpoint } = config.telemetry.rollbar;
    if (!accessToken) {
      logger.info('rollbar disabled: ROLLBAR_ACCESS_TOKEN is not set');
      return undefined;
    }
    const host = config.telemetry.kubernetes.podName ?? hostname();
    const codeVersion = config.telemetry.gitSha ?? config.telemetry.serviceVersion;
    const rollbar = new Rollbar({
      accessToken,
      environment: config.environment,
      ...(endpoint ? { endpoint } : {}),
      codeVersion,
      host,
      // Uncaught errors are serve.ts's to report, so it can wait for delivery before exiting.
      captureUncaught: false,
      captureUnhandledRejections: false,
      scrubFields: SECRET_FIELDS,
      // Stated rather than inherited: in an error storm, past 60 items a minute Rollbar sends one "limit reached"
      // item instead, sparing the account's quota (every error is still in the logs and on its span).
      itemsPerMinute: 60,
      // The request as we choose to show it: no body (user content), credentials scrubbed by header name.
      addRequestData: (data, req) => {
        const request = req as unknown as IncomingMessage;
        data.request = { method: request.method, url: request.url, headers: scrubHeaders(request.headers) };
      },
      payload: { server: { host, root: process.cwd() }, code_version: codeVersion },
    });
    logger.info('rollbar enabled', { environment: config.environment, code_version: codeVersion, endpoint: endpoint ?? 'default' });
    return new ErrorReporter(rollbar, logger, config.telemetry.links);
  }

  /** An error that made a request fail, with the request, its route and every id needed to find its trace. */
  requestError(err: unknown, req: IncomingMessage, report: ErrorReport): void {
    this.safely(() =>
      this.rollbar.error(toError(err), req, { context: report.route, route: report.route, ...this.requestIds(report.context) }),
    );
  }

  message(level: 'warning' | 'critical', message: string | Error, context?: RequestContext, custom: Record<string, unknown> = {}): void {
    this.safely(() => this.rollbar[level](message, { ...custom, ...this.requestIds(context) }));
  }

  /** Every id needed to find the request's trace, and links that open it. */
  private requestIds(context: RequestContext | undefined): Record<string, string> {
    const trace = context?.trace;
    if (!context) return {};
    if (!trace) return { request_id: context.requestId };
    return {
      request_id: context.requestId,
      trace_id: trace.traceId,
      xray_trace_id: trace.xrayTraceId,
      ...traceLinks(this.links, trace),
    };
  }

  /** Resolves once queued items are sent, or after `timeoutMs`. */
  flush(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.rollbar.wait(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private safely(report: () => unknown): void {
    try {
      report();
    } catch (err) {
      this.logger.warn('rollbar report failed', { err: String(err) });
    }
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
