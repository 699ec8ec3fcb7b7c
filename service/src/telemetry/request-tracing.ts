import { performance } from 'node:perf_hooks';
import { context, type Span, type SpanContext, TraceFlags, isSpanContextValid, trace } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { Context, Middleware, Next } from 'koa';
import { isProbe } from '../request/probe-paths';
import { currentRequestContext } from '../request/context';
import { matchedRoute } from '../request/matched-route';
import type { KeepDecision, KeepPolicy } from './sampling/keep-policy';
import { decisionDeferred, toXRayTraceId, xrayIds } from './trace-ids';
import { parseXRayHeader, type XRayHeader } from './xray-header';
import type { XRayRecorder } from './xray-recorder';
import type { RequestSegment } from './xray-segment';

export interface RequestTrace {
  traceId: string;
  /** The request's server span (and X-Ray segment) id. */
  spanId: string;
  xrayTraceId: string;
  /** Present while X-Ray records the request: subsegments hang from it. */
  segment?: RequestSegment;
}

// The request context is the framework's and knows nothing of traces: telemetry adds the request's here.
declare module '../request/context' {
  interface RequestContext {
    /** Filled by requestTracing when the request is traced. */
    trace?: RequestTrace;
  }
}

export interface RequestTracingOptions {
  xray?: XRayRecorder;
  /**
   * TRACES_SAMPLING=request-end: the policy that decides each request when it ends, and where the decision goes
   * for the spans OpenTelemetry holds meanwhile. Without it, the head sampler and X-Ray's rules decide (head mode).
   */
  keep?: { policy: KeepPolicy; tellSpans?: (traceId: string, decision: KeepDecision) => void };
  /** A telemetry bug: logged and counted by the caller. The request goes on untraced, never fails for it. */
  onFailure?: (stage: string, err: unknown) => void;
}

interface ServerSpan {
  span: Span;
  context: SpanContext;
  remoteParent?: SpanContext;
}

/** The server span the http instrumentation opened for this request, when OpenTelemetry runs. */
function serverSpan(): ServerSpan | undefined {
  const span = trace.getActiveSpan();
  const context = span?.spanContext();
  if (!span || !context || !isSpanContextValid(context)) return undefined;
  // The SDK's span exposes its parent; the API's Span type does not.
  const parent = (span as Span & { parentSpanContext?: SpanContext }).parentSpanContext;
  return { span, context, remoteParent: parent?.isRemote ? parent : undefined };
}

/** The request's ids: OpenTelemetry's when it runs, else the ALB's Root, else new X-Ray-style ones. */
function requestIds(otel: ServerSpan | undefined, incoming: XRayHeader): RequestTrace {
  const traceId = otel?.context.traceId ?? incoming.root?.replace(/^1-|-/g, '') ?? xrayIds.generateTraceId();
  const spanId = otel?.context.spanId ?? xrayIds.generateSpanId();
  return { traceId, spanId, xrayTraceId: toXRayTraceId(traceId) };
}

/** `traceresponse` (W3C) and `X-Amzn-Trace-Id` name the request's trace, and whether it is kept, to the caller. */
function answerTraceHeaders(ctx: Context, ids: RequestTrace, sampled: boolean): void {
  if (ctx.headerSent) return;
  ctx.set('traceresponse', `00-${ids.traceId}-${ids.spanId}-0${sampled ? 1 : 0}`);
  ctx.set('x-amzn-trace-id', `Root=${ids.xrayTraceId};Sampled=${sampled ? 1 : 0}`);
}

/** The sampler answers the matched rule's name for "yes", or a boolean. */
function ruleDecision(decision: boolean | string): [boolean, string | undefined] {
  return typeof decision === 'string' ? [true, decision] : [decision, undefined];
}

/** The http instrumentation names the server span and sets http.route from this once the answer is sent. */
function nameServerSpan(ctx: Context): void {
  const rpc = getRPCMetadata(context.active());
  const route = matchedRoute(ctx);
  if (rpc?.type === RPCType.HTTP && route) rpc.route = route;
}

/**
 * Joins the request to its trace: one trace id for the OpenTelemetry spans, the X-Ray segment, the log lines
 * and error reports, answered to the caller in `traceresponse` (W3C) and `X-Amzn-Trace-Id`.
 *
 * With a keep policy (request-end sampling), every request is recorded and decided once it has answered: the
 * same decision sends or drops its X-Ray segment and its held OpenTelemetry spans (sampling/held-spans.ts).
 * Without one (head sampling), X-Ray samples a subset of what OpenTelemetry records at the start.
 *
 * Telemetry never fails a request: a throw in here is handed to `onFailure`, and the request goes on.
 */
export function requestTracing(options: RequestTracingOptions = {}): Middleware {
  const { xray, keep, onFailure = () => undefined } = options;

  const guarded = <T>(stage: string, run: () => T): T | undefined => {
    try {
      return run();
    } catch (err) {
      onFailure(stage, err);
      return undefined;
    }
  };

  /** Head sampling: decided now, from the sampler's flag, the caller's, or X-Ray's rules. */
  const traceFromStart = (ctx: Context, ids: RequestTrace, otel: ServerSpan | undefined, incoming: XRayHeader) => {
    let sampled: boolean;
    let rule: string | undefined;
    if (otel) {
      const otelSampled = (otel.context.traceFlags & TraceFlags.SAMPLED) !== 0;
      const callerDecided = otel.remoteParent !== undefined && !decisionDeferred(context.active());
      if (!otelSampled || callerDecided || !xray) sampled = otelSampled;
      else [sampled, rule] = ruleDecision(xray.sample(ctx.req));
      ctx.set('traceresponse', `00-${ids.traceId}-${ids.spanId}-0${otelSampled ? 1 : 0}`);
      ctx.set('x-amzn-trace-id', `Root=${ids.xrayTraceId};Sampled=${sampled ? 1 : 0}`);
    } else {
      if (incoming.root && (incoming.sampled === '0' || incoming.sampled === '1')) sampled = incoming.sampled === '1';
      else [sampled, rule] = xray ? ruleDecision(xray.sample(ctx.req)) : [false, undefined];
      // Without OpenTelemetry the answer still names its trace, as the API promises; the flag is X-Ray's decision.
      answerTraceHeaders(ctx, ids, sampled);
    }
    if (xray && sampled) {
      const parentId = otel ? otel.remoteParent?.spanId : incoming.parent;
      const segment = xray.openSegment({ traceId: ids.xrayTraceId, id: ids.spanId, parentId, rule });
      ids.segment = segment;
      // Closed once the answer is written (Koa sets Content-Length then), or the client went away.
      ctx.res.once('close', () => guarded('x-ray segment', () => { xray.closeSegment(segment, ctx.req, ctx.res, matchedRoute(ctx)); }));
    }
  };

  return async function requestTracingMiddleware(ctx: Context, next: Next) {
    if (isProbe(ctx.path)) {
      await next();
      return;
    }
    const requestContext = currentRequestContext();
    // The request id middleware opens the context every log line and span reads: it must come first.
    if (!requestContext) throw new Error('requestTracing runs outside a request context: mount requestId() before it');
    const startedAt = performance.now();

    const begin = () => {
      const incoming = parseXRayHeader(ctx.get('x-amzn-trace-id'));
      const otel = serverSpan();
      const ids = requestIds(otel, incoming);
      otel?.span.setAttribute('app.request_id', requestContext.requestId);
      requestContext.trace = ids;
      if (!keep) {
        traceFromStart(ctx, ids, otel, incoming);
        return undefined;
      }
      // Named before it is known whether the trace is kept; the flag is set again at the end.
      answerTraceHeaders(ctx, ids, false);
      const callerSampled = otel
        ? otel.remoteParent !== undefined && (otel.remoteParent.traceFlags & TraceFlags.SAMPLED) !== 0
        : incoming.sampled === '1';
      const parentId = otel ? otel.remoteParent?.spanId : incoming.parent;
      return new PendingRequest(ctx, ids, otel !== undefined, callerSampled, parentId, startedAt);
    };
    const pending = guarded('request start', begin);
    if (pending && keep && xray) guarded('x-ray segment', () => { pending.record(xray, guarded); });

    let threw = false;
    try {
      await next();
    } catch (err) {
      threw = true;
      throw err;
    } finally {
      // The route template is known now, so no router instrumentation (and no span per route) is needed.
      guarded('server span name', () => { nameServerSpan(ctx); });
      if (pending && keep) guarded('request end', () => { pending.decide(keep, threw ? 500 : ctx.status, guarded); });
    }
  };
}

type Guard = <T>(stage: string, run: () => T) => T | undefined;

/** A request recorded in full until its end decides whether its spans and segment are sent. */
class PendingRequest {
  private decision?: KeepDecision;
  private closed = false;
  private xray?: XRayRecorder;

  constructor(
    private readonly ctx: Context,
    private readonly ids: RequestTrace,
    private readonly hasSpans: boolean,
    private readonly callerSampled: boolean,
    private readonly parentId: string | undefined,
    private readonly startedAt: number,
  ) {}

  /** Records an X-Ray segment, sent when the answer is written (or the client went away), if the request is kept. */
  record(xray: XRayRecorder, guarded: Guard): void {
    this.xray = xray;
    this.ids.segment = xray.openSegment({ traceId: this.ids.xrayTraceId, id: this.ids.spanId, parentId: this.parentId });
    this.ctx.res.once('close', () => {
      this.closed = true;
      guarded('x-ray segment', () => { this.finishSegment(); });
    });
  }

  decide(keep: NonNullable<RequestTracingOptions['keep']>, status: number, guarded: Guard): void {
    const durationMs = performance.now() - this.startedAt;
    const decision = keep.policy.decide({ traceId: this.ids.traceId, status, durationMs, callerSampled: this.callerSampled });
    this.decision = decision;
    if (this.hasSpans) keep.tellSpans?.(this.ids.traceId, decision);
    answerTraceHeaders(this.ctx, this.ids, decision.keep);
    // A client that went away before the answer closed the response already.
    if (this.closed) guarded('x-ray segment', () => { this.finishSegment(); });
  }

  private finishSegment(): void {
    const { segment } = this.ids;
    if (!segment || !this.xray || !this.decision) return;
    this.ids.segment = undefined;
    if (this.decision.keep) this.xray.closeSegment(segment, this.ctx.req, this.ctx.res, matchedRoute(this.ctx));
  }
}
