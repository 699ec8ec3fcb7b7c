import {
  type Attributes,
  type Context,
  createContextKey,
  type Link,
  type SpanKind,
  type TextMapGetter,
  type TextMapPropagator,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace';

/** An OpenTelemetry trace id as X-Ray writes it: `5759e988bd862e3f…` → `1-5759e988-bd862e3f…`. */
export function toXRayTraceId(traceId: string): string {
  return `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;
}

const XRAY_HEADER = 'x-amzn-trace-id';
const ROOT = /(?:^|;)\s*Root=1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})\s*(?:;|$)/;
const PARENT = /(?:^|;)\s*Parent=([0-9a-fA-F]{16})\s*(?:;|$)/;
const DECISION_DEFERRED = createContextKey('cruddur X-Ray caller deferred the sampling decision');

/** True when the request's X-Ray caller named a parent but left the sampling decision to this service. */
export function decisionDeferred(ctx: Context): boolean {
  return ctx.getValue(DECISION_DEFERRED) === true;
}

/**
 * An incoming Root-only trace id waiting for the root span it belongs to. The http instrumentation extracts
 * the headers and starts the server span in the same synchronous turn, without making the extracted context
 * active, so the id generator cannot read it from the context: it is handed over here instead, and dropped at
 * the end of the turn whatever happens, so it can never reach another request.
 */
let pendingRoot: string | undefined;

/**
 * The AWS X-Ray propagator needs Root, Parent and a Sampled flag of 0 or 1; this propagator, last in the list, keeps
 * what it drops when no propagator found a parent:
 * - Root and Parent with `Sampled=?` or no flag (a caller that leaves the decision to the callee, as the X-Ray SDK
 *   allows): the parent is kept, marked so that `DeferredDecisionSampler` decides as for a new trace;
 * - Root alone (an ALB adds `X-Amzn-Trace-Id: Root=1-…`): the trace id is kept for `IncomingRootIdGenerator` to
 *   reuse, so the request stays under the id the ALB logged.
 */
export class XRayRootPropagator implements TextMapPropagator {
  inject(): void {
    // Outgoing headers are the AWS X-Ray and W3C propagators' job.
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    if (trace.getSpanContext(ctx)) return ctx;
    const raw = getter.get(carrier, XRAY_HEADER);
    const header = Array.isArray(raw) ? raw[0] : raw;
    if (typeof header !== 'string' || header.length > 256) return ctx;
    const match = ROOT.exec(header);
    const traceId = `${match?.[1] ?? ''}${match?.[2] ?? ''}`.toLowerCase();
    if (traceId.length !== 32 || /^0+$/.test(traceId)) return ctx;
    const parent = PARENT.exec(header)?.[1]?.toLowerCase();
    if (parent !== undefined && !/^0+$/.test(parent)) {
      const deferred = ctx.setValue(DECISION_DEFERRED, true);
      return trace.setSpanContext(deferred, { traceId, spanId: parent, traceFlags: TraceFlags.NONE, isRemote: true });
    }
    pendingRoot = traceId;
    process.nextTick(() => {
      pendingRoot = undefined;
    });
    return ctx;
  }

  fields(): string[] {
    return [XRAY_HEADER];
  }
}

/** Ids for what OpenTelemetry does not trace (it is off): X-Ray's format, epoch seconds first in trace ids. */
export const xrayIds = new AWSXRayIdGenerator();

/** X-Ray-compatible ids (epoch seconds first), reusing an incoming Root-only trace id for the request's root span. */
export class IncomingRootIdGenerator extends AWSXRayIdGenerator {
  override generateTraceId(): string {
    const incoming = pendingRoot;
    pendingRoot = undefined;
    return incoming ?? super.generateTraceId();
  }
}

/**
 * Decides for a request whose X-Ray caller deferred the decision as for a request with no parent (the configured
 * sampler's root rule), while the span keeps the caller's parent: a parent-based sampler would otherwise read the
 * deferred flag as "not sampled" and drop the trace.
 */
export class DeferredDecisionSampler implements Sampler {
  constructor(readonly delegate: Sampler) {}

  shouldSample(ctx: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    const decidingCtx = decisionDeferred(ctx) ? trace.deleteSpan(ctx) : ctx;
    return this.delegate.shouldSample(decidingCtx, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return `DeferredDecision{${this.delegate.toString()}}`;
  }
}
