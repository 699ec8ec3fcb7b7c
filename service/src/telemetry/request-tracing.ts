import { context, type Span, type SpanContext, TraceFlags, isSpanContextValid, trace } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { Context, Middleware, Next } from 'koa';
import { isProbe } from '../request/probe-paths';
import { currentRequestContext } from '../request/context';
import { matchedRoute } from '../request/matched-route';
import { decisionDeferred, toXRayTraceId, xrayIds } from './trace-ids';
import { parseXRayHeader } from './xray-header';
import type { XRayRecorder } from './xray-recorder';
import type { RequestSegment } from './xray-segment';

export interface RequestTrace {
  traceId: string;
  /** The request's server span (and X-Ray segment) id. */
  spanId: string;
  xrayTraceId: string;
  /** Present when X-Ray samples the request: subsegments hang from it. */
  segment?: RequestSegment;
}

// The request context is the framework's and knows nothing of traces: telemetry adds the request's here.
declare module '../request/context' {
  interface RequestContext {
    /** Filled by requestTracing when the request is traced. */
    trace?: RequestTrace;
  }
}

/** The server span the http instrumentation opened for this request, when OpenTelemetry runs. */
function serverSpan(): { span: Span; context: SpanContext; remoteParent?: SpanContext } | undefined {
  const span = trace.getActiveSpan();
  const context = span?.spanContext();
  if (!span || !context || !isSpanContextValid(context)) return undefined;
  // The SDK's span exposes its parent; the API's Span type does not.
  const parent = (span as Span & { parentSpanContext?: SpanContext }).parentSpanContext;
  return { span, context, remoteParent: parent?.isRemote ? parent : undefined };
}

/**
 * Joins the request to its trace: one trace id for the OpenTelemetry spans, the X-Ray segment, the log lines
 * and error reports, answered to the caller in `traceresponse` (W3C) and `X-Amzn-Trace-Id`.
 *
 * X-Ray samples a subset of what OpenTelemetry records: a request OpenTelemetry drops is never sent to X-Ray;
 * one whose caller decided (a sampled flag in traceparent or X-Amzn-Trace-Id) follows that decision; otherwise the
 * X-Ray rules decide (and `Sampled=?` gets the decision back), the caller's Parent kept either way.
 */
export function requestTracing(xray: XRayRecorder | undefined): Middleware {
  return async function requestTracingMiddleware(ctx: Context, next: Next) {
    if (isProbe(ctx.path)) {
      await next();
      return;
    }
    const requestContext = currentRequestContext();
    // The request id middleware opens the context every log line and span reads: it must come first.
    if (!requestContext) throw new Error('requestTracing runs outside a request context: mount requestId() before it');
    const incoming = parseXRayHeader(ctx.get('x-amzn-trace-id'));
    const otel = serverSpan();
    const traceId = otel?.context.traceId ?? incoming.root?.replace(/^1-|-/g, '') ?? xrayIds.generateTraceId();
    const spanId = otel?.context.spanId ?? xrayIds.generateSpanId();
    const xrayTraceId = toXRayTraceId(traceId);

    let sampled: boolean;
    let rule: string | undefined;
    if (otel) {
      const otelSampled = (otel.context.traceFlags & TraceFlags.SAMPLED) !== 0;
      const callerDecided = otel.remoteParent !== undefined && !decisionDeferred(context.active());
      if (!otelSampled || callerDecided || !xray) sampled = otelSampled;
      else [sampled, rule] = ruleDecision(xray.sample(ctx.req));
      otel.span.setAttribute('app.request_id', requestContext.requestId);
      ctx.set('traceresponse', `00-${traceId}-${spanId}-0${otelSampled ? 1 : 0}`);
    } else {
      if (incoming.root && (incoming.sampled === '0' || incoming.sampled === '1')) sampled = incoming.sampled === '1';
      else [sampled, rule] = xray ? ruleDecision(xray.sample(ctx.req)) : [false, undefined];
      // Without OpenTelemetry the answer still names its trace, as the API promises; the flag is X-Ray's decision.
      ctx.set('traceresponse', `00-${traceId}-${spanId}-0${sampled ? 1 : 0}`);
    }
    ctx.set('x-amzn-trace-id', `Root=${xrayTraceId};Sampled=${sampled ? 1 : 0}`);

    const requestTrace: RequestTrace = { traceId, spanId, xrayTraceId };
    if (xray && sampled) {
      const parentId = otel ? otel.remoteParent?.spanId : incoming.parent;
      requestTrace.segment = xray.openSegment({ traceId: xrayTraceId, id: spanId, parentId, rule }, ctx.req);
    }
    requestContext.trace = requestTrace;
    const { segment } = requestTrace;
    if (segment && xray) {
      // Closed once the answer is written (Koa sets Content-Length then), or the client went away.
      ctx.res.once('close', () => {
        xray.closeSegment(segment, ctx.res, matchedRoute(ctx));
      });
    }
    await next();
    // The http instrumentation names the server span and sets http.route from this once the answer is sent:
    // the route template is known here, so no router instrumentation (and no span per route) is needed.
    const rpc = getRPCMetadata(context.active());
    const route = matchedRoute(ctx);
    if (rpc?.type === RPCType.HTTP && route) rpc.route = route;
  };
}

/** The sampler answers the matched rule's name for "yes", or a boolean. */
function ruleDecision(decision: boolean | string): [boolean, string | undefined] {
  return typeof decision === 'string' ? [true, decision] : [decision, undefined];
}
