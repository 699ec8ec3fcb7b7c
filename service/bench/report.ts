import { PRODUCTION_NODE_OPTIONS } from './production';
import type { Machine } from './machine';
import type { VariantResult } from './measure';
import { VARIANTS, type VariantId } from './variants';

export interface BenchRun {
  kind: 'bench';
  date: string;
  command: string;
  machine: Machine;
  settings: { connections: number; warmupSeconds: number; durationSeconds: number; path: string; pinning: string; nodeOptions?: string; rounds?: number };
  /** Every measurement, in the order taken: the service variants once per round, the peers in the first round only. */
  results: VariantResult[];
}

export interface SoakRun {
  kind: 'soak';
  date: string;
  command: string;
  machine: Machine;
  variant: string;
  rate: number;
  minutes: number;
  /** RSS every sample interval: seconds since the load started, MiB. */
  rss: { seconds: number; mib: number }[];
  rssMiBAtMinute1: number;
  rssMiBAtEnd: number;
  growthPercent: number;
  requestsPerSecond: number;
  non2xx: number;
  /** NODE_OPTIONS the service ran with (absent in soaks before it was recorded). */
  nodeOptions?: string;
}

/** The targets of issue #6, as ratios within one run. */
export const TARGETS = {
  fullShareOfOff: 0.45,
  fullOverheadMicros: 50,
  productionShareOfOff: 0.75,
  downWithinOfFull: 0.1,
  /** MB as in the issue: 10^6 bytes (150 MB = 143 MiB). */
  soakMaxRssMB: 150,
  soakMaxGrowth: 0.1,
} as const;

const fixed = (value: number, digits = 0) => value.toFixed(digits);
const percent = (value: number, digits = 0) => `${(100 * value).toFixed(digits)}%`;

/**
 * One measurement per variant, the one the tables and targets use: the round with the median CPU per request (the
 * lower middle one for an even count). Runs before rounds existed have a single measurement per variant.
 */
export function representative(run: BenchRun): VariantResult[] {
  return VARIANTS.flatMap((variant) => {
    const rounds = run.results.filter((r) => r.id === variant.id).sort((x, y) => x.cpuMicrosPerRequest - y.cpuMicrosPerRequest);
    const median = rounds[Math.floor((rounds.length - 1) / 2)];
    return median ? [median] : [];
  });
}

function byId(results: VariantResult[]): Map<VariantId, VariantResult> {
  return new Map(results.map((result) => [result.id, result]));
}

/** CPU µs/request above the variant's own baseline: (a) for the service, (e0) for the peer. */
function overhead(result: VariantResult, results: Map<VariantId, VariantResult>): string {
  const baselineId = VARIANTS.find((v) => v.id === result.id)?.baseline;
  const baseline = baselineId === undefined || baselineId === result.id ? undefined : results.get(baselineId);
  return baseline ? fixed(result.cpuMicrosPerRequest - baseline.cpuMicrosPerRequest) : '–';
}

export function resultsTable(run: BenchRun): string {
  const shown = representative(run);
  const results = byId(shown);
  const off = results.get('a');
  const header = [
    '| Variant | req/s | % of (a) | p50 ms | p99 ms | p99.9 ms | RSS MiB | CPU µs/req | overhead µs/req | spans/req | traced | segments/req | log events/req | load-side CPU |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  const rows = shown.map((r) => {
    const d = r.delivery;
    const share = off ? percent(r.load.requestsPerSecond / off.load.requestsPerSecond) : '–';
    return `| ${r.label} | ${fixed(r.load.requestsPerSecond)} | ${share} | ${r.load.latencyMs.p50} | ${r.load.latencyMs.p99} | ${r.load.latencyMs.p99_9} | ${fixed(r.rssMiB)} | ${fixed(r.cpuMicrosPerRequest)} | ${overhead(r, results)} | ${d ? fixed(d.spansPerRequest, 3) : '–'} | ${d ? percent(d.tracedFraction, 2) : '–'} | ${d ? fixed(d.segmentsPerRequest, 3) : '–'} | ${d ? fixed(d.logEventsPerRequest, 3) : '–'} | ${fixed(r.loadSideCpuPercent)}% |`;
  });
  return [...header, ...rows].join('\n');
}

type Verdict = { target: string; met: boolean | undefined; figures: string };

/** Each variant's CPU per request in every round, in the order measured: the spread the median hides. */
export function roundsLine(run: BenchRun): string | undefined {
  const ids = VARIANTS.map((v) => v.id).filter((id) => run.results.filter((r) => r.id === id).length > 1);
  if (ids.length === 0) return undefined;
  const spread = ids.map((id) => `${id} ${run.results.filter((r) => r.id === id).map((r) => fixed(r.cpuMicrosPerRequest)).join('/')}`);
  return `CPU µs/req in each round (the table shows the median round): ${spread.join(', ')}`;
}

export function verdicts(run: BenchRun, soak: SoakRun | undefined): Verdict[] {
  const r = byId(representative(run));
  const [a, b, c, d, e, e0] = (['a', 'b', 'c', 'd', 'e', 'e0'] as const).map((id) => r.get(id));
  const list: Verdict[] = [];
  if (a && b) {
    const share = b.load.requestsPerSecond / a.load.requestsPerSecond;
    const cost = b.cpuMicrosPerRequest - a.cpuMicrosPerRequest;
    const spans = b.delivery?.tracedFraction ?? 0;
    const segments = b.delivery?.segmentsPerRequest ?? 0;
    list.push({
      target: `(b) ≥ ${percent(TARGETS.fullShareOfOff)} of (a)'s throughput, overhead ≤ ${TARGETS.fullOverheadMicros} µs/request, 100% of spans and segments delivered`,
      met: share >= TARGETS.fullShareOfOff && cost <= TARGETS.fullOverheadMicros && spans >= 1 && segments >= 1,
      figures: `${percent(share)} (${fixed(b.load.requestsPerSecond)} vs ${fixed(a.load.requestsPerSecond)} req/s), overhead ${fixed(cost)} µs/request, requests traced ${percent(spans, 2)}, segments/request ${fixed(segments, 3)}`,
    });
  }
  if (a && d) {
    const share = d.load.requestsPerSecond / a.load.requestsPerSecond;
    list.push({
      target: `(d) ≥ ${percent(TARGETS.productionShareOfOff)} of (a)'s throughput`,
      met: share >= TARGETS.productionShareOfOff,
      figures: `${percent(share)} (${fixed(d.load.requestsPerSecond)} vs ${fixed(a.load.requestsPerSecond)} req/s), overhead ${fixed(d.cpuMicrosPerRequest - a.cpuMicrosPerRequest)} µs/request`,
    });
  }
  if (b && c) {
    const gap = 1 - c.load.requestsPerSecond / b.load.requestsPerSecond;
    list.push({
      target: `(c) within ${percent(TARGETS.downWithinOfFull)} of (b): a dead backend does not slow requests`,
      met: gap <= TARGETS.downWithinOfFull,
      figures: `(c) ${fixed(c.load.requestsPerSecond)} vs (b) ${fixed(b.load.requestsPerSecond)} req/s (${gap > 0 ? `${percent(gap, 1)} slower` : `${percent(-gap, 1)} faster`}), p99 ${c.load.latencyMs.p99} vs ${b.load.latencyMs.p99} ms`,
    });
  }
  const sampled = [b, d].filter((x) => x?.delivery !== undefined) as VariantResult[];
  if (sampled.length > 0) {
    const orphans = sampled.map((x) => `${x.id}: ${x.delivery?.segmentsWithoutSpans ?? 0} of ${x.delivery?.segments ?? 0} segments without spans`);
    list.push({
      target: 'Every request recorded in X-Ray is also in the OpenTelemetry data',
      met: sampled.every((x) => x.delivery?.segmentsWithoutSpans === 0),
      figures: orphans.join('; '),
    });
  }
  if (e && e0 && a) {
    list.push({
      target: '(e) peer for comparison (expected around 12% of bare Express)',
      met: undefined,
      figures: `${percent(e.load.requestsPerSecond / e0.load.requestsPerSecond)} of bare Express, ${percent(e.load.requestsPerSecond / a.load.requestsPerSecond)} of (a); overhead ${fixed(e.cpuMicrosPerRequest - e0.cpuMicrosPerRequest)} µs/request`,
    });
  }
  if (soak) {
    const endMB = (soak.rssMiBAtEnd * 2 ** 20) / 1e6;
    const caps = soak.nodeOptions === undefined ? '' : `, NODE_OPTIONS=\`${soak.nodeOptions}\``;
    const figures = `${soak.variant}${caps}: ${fixed(soak.rssMiBAtMinute1)} MiB at minute 1, ${fixed(soak.rssMiBAtEnd)} MiB (${fixed(endMB)} MB) at minute ${soak.minutes} (${soak.growthPercent >= 0 ? '+' : ''}${fixed(soak.growthPercent, 1)}%), ${fixed(soak.requestsPerSecond)} req/s, ${soak.non2xx} non-2xx (soak of ${soak.date})`;
    list.push(
      {
        target: `RSS ≤ ${TARGETS.soakMaxRssMB} MB after ${soak.minutes} min at ${soak.rate} req/s`,
        met: endMB <= TARGETS.soakMaxRssMB,
        figures,
      },
      { target: `RSS growing < ${percent(TARGETS.soakMaxGrowth)} between minute 1 and minute ${soak.minutes}`, met: soak.growthPercent < 100 * TARGETS.soakMaxGrowth, figures },
    );
  }
  return list;
}

function machineLine(machine: Machine): string {
  return `${machine.cpuModel}, ${machine.nproc} CPUs, ${machine.memoryGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}; load average at start ${machine.loadAverageAtStart.map((x) => x.toFixed(2)).join(' / ')}`;
}

export function markdown(run: BenchRun, soak: SoakRun | undefined): string {
  const s = run.settings;
  const mark = (met: boolean | undefined) => (met === undefined ? 'info' : met ? '**met**' : '**not met**');
  return [
    `### Benchmark (${run.date})`,
    '',
    `- Machine: ${machineLine(run.machine)}`,
    `- Command: \`${run.command}\``,
    `- Load: autocannon, ${s.connections} connections, GET ${s.path}, ${s.warmupSeconds} s warm-up then ${s.durationSeconds} s measured per variant${s.rounds === undefined || s.rounds === 1 ? '' : `, ${s.rounds} interleaved rounds of (a)–(d) and one of the peers`}; ${s.pinning}`,
    `- Service variants (a)–(d): NODE_OPTIONS=\`${s.nodeOptions ?? ''}\`${s.nodeOptions === PRODUCTION_NODE_OPTIONS ? ' (the chart\'s heap caps)' : ''}`,
    `- Load average (1 min) before/after each variant's median round: ${representative(run).map((r) => `${r.id} ${r.loadAverage.before.toFixed(2)}/${r.loadAverage.after.toFixed(2)}`).join(', ')}`,
    '',
    resultsTable(run),
    '',
    ...(roundsLine(run) === undefined ? [] : [`${roundsLine(run)}.`, '']),
    'CPU µs/req: the server process\'s user+system CPU during the measured run ÷ requests answered; overhead: minus (a) (minus (e0) for the peer). ' +
      'Delivery counts what the stand-ins received, for warm-up and measured requests alike: spans/req, traced = requests with spans ÷ requests, segments/req, CloudWatch log events/req. ' +
      'Load-side CPU: busy share of the load generator\'s core (autocannon + stand-ins); near 100% would mean the load, not the server, was the limit.',
    '',
    '| Target | Status | Figures |',
    '|---|---|---|',
    ...verdicts(run, soak).map((v) => `| ${v.target} | ${mark(v.met)} | ${v.figures} |`),
    ...(soak ? [] : ['', 'No soak run yet: `make bench-soak` measures RSS over 5 minutes at 1,000 req/s.']),
    '',
  ].join('\n');
}
