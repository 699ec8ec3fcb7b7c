import { expect } from 'chai';
import type { VariantResult } from '../../bench/measure.js';
import { type BenchRun, markdown, representative, verdicts } from '../../bench/report.js';
import type { VariantId } from '../../bench/variants.js';

/** A measurement with only what the report reads filled in. */
function measured(id: VariantId, requestsPerSecond: number, cpuMicrosPerRequest: number): VariantResult {
  return {
    id,
    label: `(${id})`,
    command: 'node dist/src/main.js',
    load: { requestsPerSecond, latencyMs: { p50: 1, p99: 3, p99_9: 6 } } as VariantResult['load'],
    warmupRequests: 0,
    rssMiB: 140,
    cpuMicrosPerRequest,
    loadSideCpuPercent: 50,
    loadAverage: { before: 1, after: 1 },
    delivery: undefined,
  };
}

function run(results: VariantResult[]): BenchRun {
  return {
    kind: 'bench',
    date: '2026-11-25T00:00:00.000Z',
    command: 'node dist/bench/run.js',
    machine: { cpuModel: 'test', nproc: 2, memoryGiB: 24, node: 'v24.21.0', kernel: 'test', loadAverageAtStart: [1, 1, 1] },
    settings: { connections: 50, warmupSeconds: 5, durationSeconds: 15, path: '/api/activities/home', pinning: 'none', rounds: 3 },
    results,
  };
}

describe('bench report over interleaved rounds', function () {
  const rounds = run([
    measured('a', 24_000, 41),
    measured('d', 10_000, 95),
    measured('a', 26_000, 38),
    measured('d', 12_000, 80),
    measured('a', 20_000, 50),
    measured('d', 11_000, 90),
  ]);

  it('shows each variant by its median round of CPU per request', () => {
    expect(representative(rounds).map((r) => [r.id, r.cpuMicrosPerRequest])).to.deep.equal([
      ['a', 41],
      ['d', 90],
    ]);
  });

  it('judges a target on the median of the comparisons made within each round', () => {
    // (d) against (a), round by round: 42%, 46%, 55% of the throughput; 54, 42, 40 µs more CPU per request.
    const production = verdicts(rounds, undefined).find((v) => v.target.startsWith('(d)'));
    expect(production?.figures).to.equal('46% of (a), overhead 42 µs/request');
  });

  it('pairs a peer measured once with the first round of the service', () => {
    const withPeer = run([measured('a', 24_000, 41), measured('e', 4_800, 207), measured('e0', 40_000, 24), measured('a', 30_000, 35)]);
    const peer = verdicts(withPeer, undefined).find((v) => v.target.startsWith('(e)'));
    expect(peer?.figures).to.equal('12% of bare Express, 20% of (a); overhead 183 µs/request');
  });

  it('keeps the lower middle round when the count is even, and a single measurement as it is', () => {
    const even = run([measured('b', 7_000, 140), measured('b', 6_000, 150)]);
    expect(representative(even).map((r) => r.cpuMicrosPerRequest)).to.deep.equal([140]);
    expect(representative(run([measured('e', 4_000, 220)])).map((r) => r.cpuMicrosPerRequest)).to.deep.equal([220]);
  });

  it('prints every round next to the table', () => {
    expect(markdown(rounds, undefined)).to.include('CPU µs/req in each round, in the order measured: a 41/38/50, d 95/80/90.');
  });
});
