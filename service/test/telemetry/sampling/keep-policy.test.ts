import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { KeepPolicy, keepOneIn, type RequestOutcome, traceIdFraction } from '../../../src/telemetry/sampling/keep-policy';

/** Trace ids whose random end puts them inside or outside a 1-in-10 share. */
const IN_SHARE = '5759e988bd862e3000000000000000ab';
const OUT_OF_SHARE = '5759e988bd862e3fe1be46a994272793';

function outcome(overrides: Partial<RequestOutcome> = {}): RequestOutcome {
  return { traceId: OUT_OF_SHARE, status: 200, durationMs: 5, callerSampled: false, ...overrides };
}

describe('the keep-or-drop decision at request end', () => {
  const cases: { name: string; outcome: Partial<RequestOutcome>; kept: false | { reason: string; sampleRate: number } }[] = [
    { name: 'keeps a 500 whole', outcome: { status: 500 }, kept: { reason: 'error', sampleRate: 1 } },
    { name: 'keeps a 503 whole', outcome: { status: 503 }, kept: { reason: 'error', sampleRate: 1 } },
    { name: 'keeps a request at the slow threshold whole', outcome: { durationMs: 250 }, kept: { reason: 'slow', sampleRate: 1 } },
    { name: 'keeps an ordinary request whose trace id falls in the share, standing for 1 in 10', outcome: { traceId: IN_SHARE }, kept: { reason: 'share', sampleRate: 10 } },
    { name: 'drops an ordinary request outside the share', outcome: {}, kept: false },
    { name: 'drops a 4xx outside the share: the client erred, not the service', outcome: { status: 422 }, kept: false },
    { name: 'keeps a caller-sampled request whole while the caller budget lasts', outcome: { callerSampled: true }, kept: { reason: 'caller', sampleRate: 1 } },
  ];
  for (const { name, outcome: given, kept } of cases) {
    it(name, () => {
      const policy = new KeepPolicy({ share: 0.1, slowMs: 250, callerKeepsPerSecond: 1 });
      const decision = policy.decide(outcome(given));
      expect(decision).to.deep.equal(kept ? { keep: true, ...kept } : { keep: false });
    });
  }

  it('decides callers over the budget by the share, and honours them again as the budget refills', () => {
    let now = 0;
    const policy = new KeepPolicy({ share: 0.1, slowMs: 250, callerKeepsPerSecond: 2 }, () => now);
    const forced = (traceId = OUT_OF_SHARE) => policy.decide(outcome({ callerSampled: true, traceId }));
    expect([forced(), forced(), forced()].map((d) => d.keep)).to.deep.equal([true, true, false]);
    expect(forced(IN_SHARE)).to.deep.equal({ keep: true, reason: 'share', sampleRate: 10 });
    now += 500; // half a second refills one keep at 2 a second
    expect([forced(), forced()].map((d) => d.keep)).to.deep.equal([true, false]);
  });

  it('honours the first forced keep at a rate below one a second, then waits for the budget', () => {
    let now = 0;
    const policy = new KeepPolicy({ share: 0, slowMs: 250, callerKeepsPerSecond: 0.5 }, () => now);
    const forced = () => policy.decide(outcome({ callerSampled: true })).keep;
    expect([forced(), forced()]).to.deep.equal([true, false]);
    now += 2_000;
    expect(forced()).to.equal(true);
  });

  it('never honours a caller with a budget of 0', () => {
    const policy = new KeepPolicy({ share: 0, slowMs: 250, callerKeepsPerSecond: 0 });
    expect(policy.decide(outcome({ callerSampled: true }))).to.deep.equal({ keep: false });
  });

  it('keeps every ordinary request at share 1, each standing for itself', () => {
    const policy = new KeepPolicy({ share: 1, slowMs: 250, callerKeepsPerSecond: 0 });
    expect(policy.decide(outcome())).to.deep.equal({ keep: true, reason: 'share', sampleRate: 1 });
  });

  it('applies a share as 1 in the nearest whole N, so that SampleRate is the integer Honeycomb expects', () => {
    expect([0.1, 0.3, 0.25, 1, 0.0001, 0].map(keepOneIn)).to.deep.equal([10, 3, 4, 1, 10_000, 0]);
  });

  it('keeps about the share of random trace ids, and the same ids on every call', () => {
    const policy = new KeepPolicy({ share: 0.1, slowMs: 250, callerKeepsPerSecond: 0 });
    const ids = Array.from({ length: 10_000 }, () => randomBytes(16).toString('hex'));
    const kept = ids.filter((traceId) => policy.decide(outcome({ traceId })).keep);
    expect(kept.length).to.be.within(800, 1200); // 1,000 ± 6.7 standard deviations
    expect(kept.every((traceId) => policy.decide(outcome({ traceId })).keep)).to.equal(true);
  });

  it('reads where a trace id falls from its random end, never its time-stamped start', () => {
    expect(traceIdFraction(IN_SHARE)).to.be.below(0.1);
    expect(traceIdFraction(`ffffffff${IN_SHARE.slice(8)}`)).to.equal(traceIdFraction(IN_SHARE));
    expect(traceIdFraction('0'.repeat(19) + 'f'.repeat(13))).to.be.within(0.999, 1).and.below(1);
  });
});
