import { spawn } from 'node:child_process';
import { once } from 'node:events';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  /** Requests per second over all connections; unset: as fast as the server answers. */
  rate?: number;
}

export interface LoadResult {
  /** Requests answered. */
  requests: number;
  /** Requests sent, answered or not: what reached the server when the run stopped with requests in flight. */
  sent: number;
  durationSeconds: number;
  requestsPerSecond: number;
  /** Latency percentiles in milliseconds, as autocannon measured them. */
  latencyMs: { p50: number; p99: number; p99_9: number };
  /** Answers other than 2xx, connection errors and timeouts: all must be 0 for a valid run. */
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** The subset of `autocannon --json` read here. */
interface AutocannonJson {
  requests: { total: number; sent: number };
  latency: { p50: number; p99: number; p99_9: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** Runs autocannon as its own process (it inherits this process's CPU pinning) and reads its JSON summary. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const args = [
    require.resolve('autocannon/autocannon.js'),
    '--json',
    '--no-progress',
    '--connections', String(options.connections),
    '--duration', String(options.durationSeconds),
    ...(options.rate === undefined ? [] : ['--overallRate', String(options.rate)]),
    options.url,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`autocannon exited with ${String(code)}: ${stderr}`);
  const result = JSON.parse(stdout) as AutocannonJson;
  return {
    requests: result.requests.total,
    sent: result.requests.sent,
    durationSeconds: result.duration,
    requestsPerSecond: result.requests.total / result.duration,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, p99_9: result.latency.p99_9 },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
