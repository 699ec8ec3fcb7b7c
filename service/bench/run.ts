/**
 * The telemetry benchmark (issue #6): `make bench` (all variants side by side) and `make bench-soak` (RSS over
 * five minutes at 1,000 requests/s). Run from the repository root after `tsc -p tsconfig.json`:
 *   node dist/bench/run.js [--duration 15] [--warmup 5] [--connections 50] [--variants a,b,c,d,e,e0]
 *   node dist/bench/run.js --soak [--variant b] [--rate 1000] [--minutes 5]
 * Both take --node-options '<flags>' for the service variants (default: the chart's heap caps, production.ts).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DeliveryRecorder } from './delivery';
import { describeMachine } from './machine';
import { type Layout, measureVariant } from './measure';
import { allowedCpus } from './proc';
import { type BenchRun, markdown, resultsTable, type SoakRun, verdicts } from './report';
import { soak } from './soak';
import { PRODUCTION_NODE_OPTIONS } from './production';
import { VARIANTS, type VariantId } from './variants';

const ROOT = path.resolve(__dirname, '../..');
const RESULTS = path.join(ROOT, 'service/bench/results');
/** Every run, one JSON object a line in the order they ran: the newest of each kind makes latest.md. */
const HISTORY = path.join(RESULTS, 'history.jsonl');

const { values: options } = parseArgs({
  options: {
    soak: { type: 'boolean', default: false },
    duration: { type: 'string', default: '15' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    variants: { type: 'string', default: VARIANTS.map((v) => v.id).join(',') },
    variant: { type: 'string', default: 'b' },
    rate: { type: 'string', default: '1000' },
    minutes: { type: 'string', default: '5' },
    'node-options': { type: 'string', default: PRODUCTION_NODE_OPTIONS },
  },
});

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** The server gets the first allowed CPU; this process, its stand-ins and the load generator the second. */
function pin(): { serverCpu: number | undefined; description: string } {
  const [serverCpu, loadCpu] = allowedCpus();
  if (serverCpu === undefined || loadCpu === undefined) return { serverCpu: undefined, description: 'one CPU: server and load generator share it' };
  execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', String(loadCpu), String(process.pid)], { stdio: 'ignore' });
  return { serverCpu, description: `server pinned to CPU ${serverCpu}, load generator and stand-ins to CPU ${loadCpu}` };
}

/** The newest saved run of a kind. */
function newest(kind: 'bench'): BenchRun | undefined;
function newest(kind: 'soak'): SoakRun | undefined;
function newest(kind: string): unknown {
  if (!existsSync(HISTORY)) return undefined;
  const runs = readFileSync(HISTORY, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as BenchRun | SoakRun);
  return runs.filter((run) => run.kind === kind).sort((a, b) => a.date.localeCompare(b.date)).at(-1);
}

function save(run: BenchRun | SoakRun): string {
  mkdirSync(RESULTS, { recursive: true });
  appendFileSync(HISTORY, `${JSON.stringify(run)}\n`);
  return `${path.relative(ROOT, HISTORY)} (${run.kind} of ${run.date})`;
}

/** latest.md: the newest bench run and the newest soak, as the README shows them. */
function writeLatest(): void {
  const bench = newest('bench');
  if (!bench) return;
  writeFileSync(path.join(RESULTS, 'latest.md'), markdown(bench, newest('soak')));
}

async function main(): Promise<void> {
  const machine = describeMachine();
  const pinning = pin();
  const command = `node dist/bench/run.js ${process.argv.slice(2).join(' ')}`.trim();
  const layout: Layout = {
    root: ROOT,
    serverCpu: pinning.serverCpu,
    connections: Number(options.connections),
    warmupSeconds: Number(options.warmup),
    durationSeconds: Number(options.duration),
    path: '/api/activities/home',
    nodeOptions: options['node-options'],
  };
  say(`${machine.cpuModel}, ${machine.nproc} CPUs, Node ${machine.node}, load average ${machine.loadAverageAtStart.join(' ')}; ${pinning.description}`);
  const recorder = new DeliveryRecorder();
  await recorder.start();
  try {
    if (options.soak) {
      const variant = VARIANTS.find((v) => v.id === options.variant);
      if (!variant) throw new Error(`unknown variant ${options.variant}`);
      say(`soak: ${variant.label} at ${options.rate} req/s for ${options.minutes} min, NODE_OPTIONS=${layout.nodeOptions}`);
      const date = new Date().toISOString();
      const result = await soak(variant, recorder, layout, Number(options.rate), Number(options.minutes));
      const run: SoakRun = { kind: 'soak', date, command, machine, ...result, nodeOptions: layout.nodeOptions };
      say(`RSS ${result.rssMiBAtMinute1.toFixed(0)} MiB at minute 1, ${result.rssMiBAtEnd.toFixed(0)} MiB at the end (${result.growthPercent.toFixed(1)}%)`);
      say(`saved ${save(run)}`);
    } else {
      const ids = new Set(options.variants.split(',') as VariantId[]);
      const rounds = Number(options.rounds);
      if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, not ${options.rounds}`);
      const date = new Date().toISOString();
      const run: BenchRun = {
        kind: 'bench',
        date,
        command,
        machine,
        settings: { connections: layout.connections, warmupSeconds: layout.warmupSeconds, durationSeconds: layout.durationSeconds, path: layout.path, pinning: pinning.description, nodeOptions: layout.nodeOptions, rounds },
        results: [],
      };
      // Rounds interleave the service variants, so drift on the machine reaches them alike; the peers are a
      // reference, measured once.
      for (let round = 1; round <= rounds; round += 1) {
        for (const variant of VARIANTS.filter((v) => ids.has(v.id) && (round === 1 || !v.peer))) {
          say(`${variant.label}${rounds > 1 ? `, round ${round}` : ''}...`);
          const result = await measureVariant(variant, recorder, layout);
          run.results.push(result);
          say(`  ${result.load.requestsPerSecond.toFixed(0)} req/s, ${result.cpuMicrosPerRequest.toFixed(0)} µs CPU/request, ${result.rssMiB.toFixed(0)} MiB`);
        }
      }
      say('');
      say(resultsTable(run));
      say('');
      for (const v of verdicts(run, newest('soak'))) say(`${v.met === undefined ? 'INFO' : v.met ? 'MET ' : 'MISS'} ${v.target}: ${v.figures}`);
      say(`saved ${save(run)}`);
    }
    writeLatest();
  } finally {
    await recorder.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
