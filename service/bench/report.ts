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

function median(values: number[]): number | undefined {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** A variant's measurements in the order taken: one per round. */
function roundsOf(run: BenchRun, id: VariantId): VariantResult[] {
  return run.results.filter((r) => r.id === id);
}

/**
 * One measurement per variant for the table's absolute figures: its round with the median CPU per request (the
 * lower middle one for an even count). Runs before rounds existed have a single measurement per variant.
 */
export function representative(run: BenchRun): VariantResult[] {
  return VARIANTS.flatMap((variant) => {
    const rounds = roundsOf(run, variant.id);
    const cpu = median(rounds.map((r) => r.cpuMicrosPerRequest));
    const chosen = rounds.find((r) => r.cpuMicrosPerRequest === cpu);
    return chosen ? [chosen] : [];
  });
}

/**
 * A comparison between two variants, made within each round (round i of one against round i of the other, measured
 * a minute or two apart) and reported as the median over the rounds both have. The peers, measured once, pair with round 1.
 */
function compared(run: BenchRun, id: VariantId, against: VariantId, compare: (x: VariantResult, base: VariantResult) => number): number | undefined {
  const xs = roundsOf(run, id);
  const bases = roundsOf(run, against);
  const pairs = Math.min(xs.length, bases.length);
  return median(Array.from({ length: pairs }, (_, i) => compare(xs[i] as VariantResult, bases[i] as VariantResult)));
}

const shareOf = (run: BenchRun, id: VariantId, of: VariantId) => compared(run, id, of, (x, base) => x.load.requestsPerSecond / base.load.requestsPerSecond);
const overheadOf = (run: BenchRun, id: VariantId, over: VariantId) => compared(run, id, over, (x, base) => x.cpuMicrosPerRequest - base.cpuMicrosPerRequest);

/** CPU µs/request above the variant's own baseline: (a) for the service, (e0) for the peer. */
function overhead(run: BenchRun, result: VariantResult): string {
  const baseline = VARIANTS.find((v) => v.id === result.id)?.baseline;
  const cost = baseline === undefined || baseline === result.id ? undefined : overheadOf(run, result.id, baseline);
  return cost === undefined ? '–' : fixed(cost);
}

export function resultsTable(run: BenchRun): string {
  const header = [
    '| Variant | req/s | % of (a) | p50 ms | p99 ms | p99.9 ms | RSS MiB | CPU µs/req | overhead µs/req | spans/req | traced | segments/req | log events/req | load-side CPU |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  const rows = representative(run).map((r) => {
    const d = r.delivery;
    const share = shareOf(run, r.id, 'a');
    return `| ${r.label} | ${fixed(r.load.requestsPerSecond)} | ${share === undefined ? '–' : percent(share)} | ${r.load.latencyMs.p50} | ${r.load.latencyMs.p99} | ${r.load.latencyMs.p99_9} | ${fixed(r.rssMiB)} | ${fixed(r.cpuMicrosPerRequest)} | ${overhead(run, r)} | ${d ? fixed(d.spansPerRequest, 3) : '–'} | ${d ? percent(d.tracedFraction, 2) : '–'} | ${d ? fixed(d.segmentsPerRequest, 3) : '–'} | ${d ? fixed(d.logEventsPerRequest, 3) : '–'} | ${fixed(r.loadSideCpuPercent)}% |`;
  });
  return [...header, ...rows].join('\n');
}

type Verdict = { target: string; met: boolean | undefined; figures: string };

/** Each variant's CPU per request in every round, in the order measured: the spread the median hides. */
function roundsLine(run: BenchRun): string | undefined {
  const ids = VARIANTS.map((v) => v.id).filter((id) => roundsOf(run, id).length > 1);
  if (ids.length === 0) return undefined;
  const spread = ids.map((id) => `${id} ${roundsOf(run, id).map((r) => fixed(r.cpuMicrosPerRequest)).join('/')}`);
  return `CPU µs/req in each round, in the order measured: ${spread.join(', ')}. The table shows each variant's median round; % of (a), overheads and the targets are the median over the rounds of the same comparison made within each round`;
}

export function verdicts(run: BenchRun, soak: SoakRun | undefined): Verdict[] {
  const shown = new Map(representative(run).map((r) => [r.id, r]));
  const list: Verdict[] = [];
  const bShare = shareOf(run, 'b', 'a');
  const bCost = overheadOf(run, 'b', 'a');
  if (bShare !== undefined && bCost !== undefined) {
    // Delivery must be complete in every round, so the worst round is reported.
    const spans = Math.min(...roundsOf(run, 'b').map((r) => r.delivery?.tracedFraction ?? 0));
    const segments = Math.min(...roundsOf(run, 'b').map((r) => r.delivery?.segmentsPerRequest ?? 0));
    list.push({
      target: `(b) ≥ ${percent(TARGETS.fullShareOfOff)} of (a)'s throughput, overhead ≤ ${TARGETS.fullOverheadMicros} µs/request, 100% of spans and segments delivered`,
      met: bShare >= TARGETS.fullShareOfOff && bCost <= TARGETS.fullOverheadMicros && spans >= 1 && segments >= 1,
      figures: `${percent(bShare)} of (a), overhead ${fixed(bCost)} µs/request, requests traced ${percent(spans, 2)}, segments/request ${fixed(segments, 3)}`,
    });
  }
  const dShare = shareOf(run, 'd', 'a');
  const dCost = overheadOf(run, 'd', 'a');
  if (dShare !== undefined && dCost !== undefined) {
    list.push({
      target: `(d) ≥ ${percent(TARGETS.productionShareOfOff)} of (a)'s throughput`,
      met: dShare >= TARGETS.productionShareOfOff,
      figures: `${percent(dShare)} of (a), overhead ${fixed(dCost)} µs/request`,
    });
  }
  // Deciding at request end records every request: it may cost more than head sampling, but at most half of the
  // way to recording and sending everything (b).
  const headCost = overheadOf(run, 'dh', 'a');
  const cpu = (id: VariantId) => roundsOf(run, id).map((r) => r.cpuMicrosPerRequest);
  const [dCpu, dhCpu, bCpu] = [cpu('d'), cpu('dh'), cpu('b')];
  const rounds = Math.min(dCpu.length, dhCpu.length, bCpu.length);
  const beyondMidpoint = median(Array.from({ length: rounds }, (_, i) => (dCpu[i] ?? 0) - ((dhCpu[i] ?? 0) + (bCpu[i] ?? 0)) / 2));
  if (dCost !== undefined && headCost !== undefined && bCost !== undefined && beyondMidpoint !== undefined) {
    list.push({
      target: '(d), decided at request end, costs at most the midpoint between (dh) (head sampling) and (b) in CPU per request',
      met: beyondMidpoint <= 0,
      figures: `overheads (d) ${fixed(dCost)}, (dh) ${fixed(headCost)}, (b) ${fixed(bCost)} µs/request; (d) ${fixed(Math.abs(beyondMidpoint))} µs/request ${beyondMidpoint <= 0 ? 'below' : 'above'} the midpoint`,
    });
  }
  const gap = compared(run, 'c', 'b', (c, b) => 1 - c.load.requestsPerSecond / b.load.requestsPerSecond);
  const [b, c] = [shown.get('b'), shown.get('c')];
  if (gap !== undefined && b && c) {
    list.push({
      target: `(c) within ${percent(TARGETS.downWithinOfFull)} of (b): a dead backend does not slow requests`,
      met: gap <= TARGETS.downWithinOfFull,
      figures: `(c) ${gap > 0 ? `${percent(gap, 1)} slower` : `${percent(-gap, 1)} faster`} than (b), p99 ${c.load.latencyMs.p99} vs ${b.load.latencyMs.p99} ms`,
    });
  }
  const sampled = (['b', 'd', 'dh'] as const).filter((id) => roundsOf(run, id).some((r) => r.delivery !== undefined));
  if (sampled.length > 0) {
    const count = (id: VariantId, field: 'segments' | 'segmentsWithoutSpans') => roundsOf(run, id).reduce((sum, r) => sum + (r.delivery?.[field] ?? 0), 0);
    list.push({
      target: 'Every request recorded in X-Ray is also in the OpenTelemetry data',
      met: sampled.every((id) => count(id, 'segmentsWithoutSpans') === 0),
      figures: sampled.map((id) => `${id}: ${count(id, 'segmentsWithoutSpans')} of ${count(id, 'segments')} segments without spans`).join('; '),
    });
  }
  const peerShare = shareOf(run, 'e', 'e0');
  const peerOfService = shareOf(run, 'e', 'a');
  const peerCost = overheadOf(run, 'e', 'e0');
  if (peerShare !== undefined && peerOfService !== undefined && peerCost !== undefined) {
    list.push({
      target: '(e) peer for comparison (expected around 12% of bare Express)',
      met: undefined,
      figures: `${percent(peerShare)} of bare Express, ${percent(peerOfService)} of (a); overhead ${fixed(peerCost)} µs/request`,
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
  const rounds = roundsLine(run);
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
    ...(rounds === undefined ? [] : [`${rounds}.`, '']),
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
