import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jsonLines } from '../process';
import { e2eTool, eventually, freePort } from './tools';

/** The ports one collector binds on loopback; kept across restarts so the service's exporter finds it again. */
export interface CollectorPorts {
  otlpGrpc: number;
  otlpHttp: number;
  health: number;
  metrics: number;
}

/**
 * The real OpenTelemetry Collector (the binary ocb built from k8s/collector/builder-config.yaml) running the
 * config the chart rendered, unchanged, in a file of its own. Only what must differ when every process shares
 * one machine is layered over it with `--config=yaml:` flags:
 * - the OTLP receivers (chart: localhost:4317/4318, the pod's own loopback) → free 127.0.0.1 ports;
 * - health_check (chart: 0.0.0.0:13133, for the kubelet's probes) → a free 127.0.0.1 port;
 * - the collector's own metrics (default: localhost:8888) → a free 127.0.0.1 port.
 */
export class OtelCollector {
  private child: ChildProcess | undefined;
  private exited: Promise<number | string> | undefined;
  private output = '';
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'otelcol-e2e-'));
  private readonly configFile = path.join(this.dir, 'config.yaml');

  private constructor(
    config: string,
    private readonly env: Record<string, string>,
    readonly ports: CollectorPorts,
  ) {
    writeFileSync(this.configFile, config);
  }

  /** `config`: the chart's config.yaml text; `env`: the collector container's environment from the chart. */
  static async create(config: string, env: Record<string, string>): Promise<OtelCollector> {
    const [otlpGrpc, otlpHttp, health, metrics] = [await freePort(), await freePort(), await freePort(), await freePort()];
    return new OtelCollector(config, env, { otlpGrpc, otlpHttp, health, metrics });
  }

  /** The base URL the service's OTLP/HTTP exporter sends to (the chart's http://localhost:4318). */
  get otlpHttpUrl(): string {
    return `http://127.0.0.1:${this.ports.otlpHttp}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the collector and resolves once health_check answers 200 (every pipeline is up). */
  async start(): Promise<void> {
    if (this.running) throw new Error('collector is already running');
    const { otlpGrpc, otlpHttp, health, metrics } = this.ports;
    const overrides = [
      `receivers::otlp::protocols::grpc::endpoint: 127.0.0.1:${otlpGrpc}`,
      `receivers::otlp::protocols::http::endpoint: 127.0.0.1:${otlpHttp}`,
      `extensions::health_check::endpoint: 127.0.0.1:${health}`,
      `service::telemetry::metrics::readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${metrics}}}}}]`,
    ];
    const args = [`--config=${this.configFile}`, ...overrides.map((yaml) => `--config=yaml:${yaml}`)];
    const child = spawn(e2eTool('OTELCOL'), args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.output += `--- started: otelcol ${args.join(' ')}\n`;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    this.exited = once(child, 'exit').then(([code, signal]) => (code as number | null) ?? (signal as string));
    await eventually(
      async () => {
        if (!this.running) throw new Error(`collector exited before it was healthy:\n${this.output}`);
        const status = await fetch(`http://127.0.0.1:${health}/`).then((res) => res.status, () => 0);
        return status === 200 ? true : undefined;
      },
      () => `the collector's health_check on 127.0.0.1:${health}:\n${this.output}`,
      15_000,
      50,
    );
  }

  /** SIGKILL (a crash, an OOM kill) or SIGTERM (the kubelet stopping the sidecar); resolves with the exit. */
  async kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<number | string> {
    const { child, exited } = this;
    if (!child || !exited) throw new Error('collector was never started');
    if (this.running) child.kill(signal);
    return exited;
  }

  /** Stops it if it runs and removes its config file. */
  async dispose(): Promise<void> {
    if (this.running) await this.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Everything the collector wrote (its log is JSON lines: the chart sets `encoding: json`). */
  log(): string {
    return this.output;
  }

  logLines(): Record<string, unknown>[] {
    return jsonLines(this.output);
  }

  /** One counter or gauge of the collector's own Prometheus metrics, summed over its labels matching `labels`. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.ports.metrics}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
      if (match?.[1] !== name) continue;
      const labelText = match[2] ?? '';
      if (Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`))) sum += Number(match[3]);
    }
    return sum;
  }
}

/** `otelcol validate`: exit code and output, for a config given as text. */
export function validateCollectorConfig(config: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'otelcol-validate-'));
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, config);
  const child = spawn(e2eTool('OTELCOL'), ['validate', `--config=${file}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return once(child, 'exit').then(([code]) => {
    rmSync(dir, { recursive: true, force: true });
    return { code: code as number | null, output };
  });
}
