import { type Context, type TextMapGetter, type TextMapPropagator, trace } from '@opentelemetry/api';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';

/** An OpenTelemetry trace id as X-Ray writes it: `5759e988bd862e3f…` → `1-5759e988-bd862e3f…`. */
export function toXRayTraceId(traceId: string): string {
  return `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;
}

const XRAY_HEADER = 'x-amzn-trace-id';
const ROOT = /(?:^|;)\s*Root=1-([0-9a-fA-F]{8})-([0-9a-fA-F]{24})\s*(?:;|$)/;

/**
 * An incoming Root-only trace id waiting for the root span it belongs to. The http instrumentation extracts
 * the headers and starts the server span in the same synchronous turn, without making the extracted context
 * active, so the id generator cannot read it from the context: it is handed over here instead, and dropped at
 * the end of the turn whatever happens, so it can never reach another request.
 */
let pendingRoot: string | undefined;

/**
 * An ALB adds `X-Amzn-Trace-Id: Root=1-…` with no Parent and no Sampled flag. The AWS X-Ray propagator needs all
 * three, so on its own such a request would start a new trace and lose the id the ALB logged. This propagator,
 * last in the list, keeps that Root when no propagator found a parent, for `IncomingRootIdGenerator` to reuse.
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
    if (traceId.length === 32 && !/^0+$/.test(traceId)) {
      pendingRoot = traceId;
      process.nextTick(() => {
        pendingRoot = undefined;
      });
    }
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
