import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { KeepDecision } from './keep-policy';

export interface HeldSpansLimits {
  /** Spans held at once, across every request in flight. */
  maxSpans: number;
  /** Their estimated size (attribute keys and values, events), across every request in flight. */
  maxBytes: number;
  /** A trace whose decision or server span has not come by then is given up on (a request still running). */
  maxHoldMs: number;
}

export const DEFAULT_HELD_SPANS_LIMITS: HeldSpansLimits = { maxSpans: 20_000, maxBytes: 32 * 1024 * 1024, maxHoldMs: 60_000 };

/** What the processor lost, since start: told to the service's log, at most once per report interval. */
export interface HeldSpansLosses {
  /** Spans not held because the limits were reached. */
  overflowed: number;
  /** Spans of traces given up on after maxHoldMs. */
  expired: number;
}

interface PendingTrace {
  spans: ReadableSpan[];
  bytes: number;
  rootEnded: boolean;
  decision?: KeepDecision;
  since: number;
}

const SPAN_BASE_BYTES = 256;
const EVENT_BYTES = 128;

/** A span's size in memory, roughly: what it holds beyond the fixed part, by its attributes and events. */
function estimatedBytes(span: ReadableSpan): number {
  let bytes = SPAN_BASE_BYTES + span.events.length * EVENT_BYTES;
  for (const key in span.attributes) {
    const value = span.attributes[key];
    bytes += key.length + (typeof value === 'string' ? value.length : 8);
  }
  return bytes;
}

/** The request's own root: its server span, whose parent (when any) is the caller's. */
function isLocalRoot(span: ReadableSpan): boolean {
  return span.parentSpanContext === undefined || span.parentSpanContext.isRemote === true;
}

/**
 * Holds each trace's spans until its request is decided (KeepPolicy, told through `decide`) and its server span
 * has ended, then hands the kept ones, each stamped with `SampleRate`, to the next processor (the batch
 * processor), and forgets the rest. Every span of a request lives in this process, so the decision is exact.
 *
 * Bounded in spans and bytes: past either bound a span is not held, but counted (`losses`), so a flood of slow
 * requests costs traces, never memory or a request. `report` is told of losses at most once per interval.
 */
export class HeldSpansProcessor implements SpanProcessor {
  private readonly pending = new Map<string, PendingTrace>();
  private heldSpans = 0;
  private heldBytes = 0;
  private readonly losses: HeldSpansLosses = { overflowed: 0, expired: 0 };
  private reportedLosses = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly next: SpanProcessor,
    private readonly limits: HeldSpansLimits = DEFAULT_HELD_SPANS_LIMITS,
    private readonly report: (losses: HeldSpansLosses) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => { this.expireUndecided(); }, Math.min(10_000, limits.maxHoldMs)).unref();
  }

  /** The request's decision, made when it ended (request-tracing.ts). */
  decide(traceId: string, decision: KeepDecision): void {
    const trace = this.pending.get(traceId) ?? this.open(traceId);
    trace.decision = decision;
    this.settle(traceId, trace);
  }

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const traceId = span.spanContext().traceId;
    const trace = this.pending.get(traceId) ?? this.open(traceId);
    const bytes = estimatedBytes(span);
    if (this.heldSpans + 1 > this.limits.maxSpans || this.heldBytes + bytes > this.limits.maxBytes) {
      this.losses.overflowed += 1;
    } else {
      trace.spans.push(span);
      trace.bytes += bytes;
      this.heldSpans += 1;
      this.heldBytes += bytes;
    }
    if (isLocalRoot(span)) trace.rootEnded = true;
    this.settle(traceId, trace);
  }

  /** Spans held now, and their estimated bytes. */
  get held(): { spans: number; bytes: number; traces: number } {
    return { spans: this.heldSpans, bytes: this.heldBytes, traces: this.pending.size };
  }

  forceFlush(): Promise<void> {
    this.reportLosses();
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    clearInterval(this.sweeper);
    this.reportLosses();
    return this.next.shutdown();
  }

  private open(traceId: string): PendingTrace {
    const trace: PendingTrace = { spans: [], bytes: 0, rootEnded: false, since: this.now() };
    this.pending.set(traceId, trace);
    return trace;
  }

  private settle(traceId: string, trace: PendingTrace): void {
    const { decision } = trace;
    if (!trace.rootEnded || !decision) return;
    this.release(traceId, trace);
    if (!decision.keep) return;
    for (const span of trace.spans) {
      // An ended span ignores setAttribute; the attributes object it exports is still this one.
      span.attributes.SampleRate = decision.sampleRate;
      this.next.onEnd(span);
    }
  }

  private release(traceId: string, trace: PendingTrace): void {
    this.pending.delete(traceId);
    this.heldSpans -= trace.spans.length;
    this.heldBytes -= trace.bytes;
  }

  /** Gives up on the traces held longer than maxHoldMs (run every 10 s at most). */
  expireUndecided(): void {
    const oldest = this.now() - this.limits.maxHoldMs;
    // In the order the traces were opened, so the oldest come first.
    for (const [traceId, trace] of this.pending) {
      if (trace.since > oldest) break;
      this.losses.expired += trace.spans.length;
      this.release(traceId, trace);
    }
    this.reportLosses();
  }

  private reportLosses(): void {
    const total = this.losses.overflowed + this.losses.expired;
    if (total === this.reportedLosses) return;
    this.reportedLosses = total;
    this.report({ ...this.losses });
  }
}
