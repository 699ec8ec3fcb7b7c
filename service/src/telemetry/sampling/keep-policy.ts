/**
 * The one keep-or-drop decision a request gets, when it ends, for Honeycomb and X-Ray alike.
 *
 * Kept, in this order: every request that answered 5xx (a thrown error answers 500), every request slower than
 * the threshold, a caller's forced keep while the caller budget lasts, and a share of the rest chosen by trace id.
 * `sampleRate` is what Honeycomb weights a kept event by (its `SampleRate`): how many requests it stands for.
 * Errors, slow requests and forced keeps are kept whole (1); the share stands for the rest (N, for 1 in N). The
 * strata never overlap, so the weighted counts add up to the requests served.
 */

export interface RequestSamplingConfig {
  /** Share of ordinary requests kept, applied as 1 in round(1 / share); 0 keeps none of them. */
  share: number;
  /** A request that took at least this long is always kept. */
  slowMs: number;
  /** How many caller-forced keeps (a sampled flag in traceparent or X-Amzn-Trace-Id) a second are honoured. */
  callerKeepsPerSecond: number;
}

export type KeepReason = 'error' | 'slow' | 'caller' | 'share';

export type KeepDecision = { keep: true; reason: KeepReason; sampleRate: number } | { keep: false };

export interface RequestOutcome {
  traceId: string;
  status: number;
  durationMs: number;
  /** The caller sent a sampled flag: a request to be traced, honoured within the caller budget. */
  callerSampled: boolean;
}

/** Hex digits at the end of a trace id that the share reads: random in W3C and X-Ray ids alike, exact as a double. */
const RANDOM_DIGITS = 13;
const RANDOM_RANGE = 16 ** RANDOM_DIGITS;

/** Where a trace id falls in [0, 1): the same for every process that reads the same id. */
export function traceIdFraction(traceId: string): number {
  const value = Number.parseInt(traceId.slice(-RANDOM_DIGITS), 16);
  return Number.isFinite(value) ? value / RANDOM_RANGE : 0;
}

/** 1 in N: the integer Honeycomb expects as SampleRate, and the share actually applied (0: none). */
export function keepOneIn(share: number): number {
  return share > 0 ? Math.max(1, Math.round(1 / share)) : 0;
}

/**
 * X-Ray's reservoir idea for callers: `perSecond` forced keeps a second, refilled continuously, with at most one
 * second's worth (and at least one keep) saved up. A client that sends a sampled flag on every request gets that
 * many a second; the first forced keep is honoured at once, even at rates below one a second.
 */
class CallerBudget {
  private tokens: number;
  private refilledAt: number;
  private readonly capacity: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {
    this.capacity = Math.max(1, perSecond);
    this.tokens = this.capacity;
    this.refilledAt = now();
  }

  take(): boolean {
    if (this.perSecond <= 0) return false;
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class KeepPolicy {
  private readonly oneIn: number;
  private readonly callers: CallerBudget;

  constructor(
    private readonly config: RequestSamplingConfig,
    now: () => number = Date.now,
  ) {
    this.oneIn = keepOneIn(config.share);
    this.callers = new CallerBudget(config.callerKeepsPerSecond, now);
  }

  decide(outcome: RequestOutcome): KeepDecision {
    if (outcome.status >= 500) return { keep: true, reason: 'error', sampleRate: 1 };
    if (outcome.durationMs >= this.config.slowMs) return { keep: true, reason: 'slow', sampleRate: 1 };
    if (outcome.callerSampled && this.callers.take()) return { keep: true, reason: 'caller', sampleRate: 1 };
    if (this.oneIn > 0 && traceIdFraction(outcome.traceId) < 1 / this.oneIn) return { keep: true, reason: 'share', sampleRate: this.oneIn };
    return { keep: false };
  }
}
