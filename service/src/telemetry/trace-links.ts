import type { TraceLinks } from '../config';
import type { RequestTrace } from './request-tracing';

/** How far around the report's time Honeycomb looks for the trace (its default without one is the last 2 hours). */
const WINDOW_S = 600;

/**
 * Where a person opens a request's trace, for error reports: Honeycomb's direct trace link (team, environment and
 * dataset from configuration; https://docs.honeycomb.io/investigate/collaborate/share-trace/) and the X-Ray
 * console's trace page, as `make smoke` prints them. Errors are always kept, so an error's links always lead somewhere.
 */
export function traceLinks(links: TraceLinks, requestTrace: RequestTrace, now = Date.now()): Record<string, string> {
  const found: Record<string, string> = {};
  if (links.honeycombDataset) {
    const seconds = Math.floor(now / 1000);
    const query = new URLSearchParams({
      trace_id: requestTrace.traceId,
      span: requestTrace.spanId,
      trace_start_ts: String(seconds - WINDOW_S),
      trace_end_ts: String(seconds + WINDOW_S),
    });
    found.honeycomb_trace_url = `${links.honeycombDataset}/trace?${query.toString()}`;
  }
  if (links.xrayRegion) {
    const region = encodeURIComponent(links.xrayRegion);
    found.xray_trace_url = `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#xray:traces/${requestTrace.xrayTraceId}`;
  }
  return found;
}
