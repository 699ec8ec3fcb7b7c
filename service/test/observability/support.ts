import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { DEFINITIONS_DIR } from '../../src/observability/definitions.js';
import { run, type RunOptions } from '../../src/observability/run.js';
import { CloudWatchLogs, HoneycombApi, XRayApi } from '../support/stand-ins/index.js';

export const KEY = 'hcxlk_test-configuration-key';
export const DATASET = 'cruddur-backend';

/** The three APIs on loopback, an account that has none of the definitions yet, and the environment pointing at them. */
export class Stand {
  readonly honeycomb = new HoneycombApi();
  readonly xray = new XRayApi();
  readonly logs = new CloudWatchLogs();

  async start(): Promise<void> {
    await Promise.all([this.honeycomb.start(), this.xray.start(), this.logs.start()]);
    this.reset();
  }

  async stop(): Promise<void> {
    await Promise.all([this.honeycomb.stop(), this.xray.stop(), this.logs.stop()]);
  }

  reset(): void {
    this.honeycomb.reset();
    this.xray.reset();
    this.logs.reset();
    this.honeycomb.addKey(KEY);
    this.honeycomb.addDataset(DATASET);
  }

  env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return {
      HONEYCOMB_API_URL: this.honeycomb.url,
      HONEYCOMB_CONFIGURATION_KEY: KEY,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      XRAY_ENDPOINT: this.xray.url,
      CLOUDWATCH_ENDPOINT: this.logs.url,
      ...overrides,
    };
  }

  /** Every call any of the three received that changes something. */
  writes(): string[] {
    return [
      ...this.honeycomb.writes().map((c) => `honeycomb ${c.operation}`),
      ...this.xray.calls.filter((c) => !c.operation.startsWith('Get')).map((c) => `xray ${c.operation}`),
      ...this.logs.calls.filter((c) => !c.operation.startsWith('Describe')).map((c) => `logs ${c.operation}`),
    ];
  }

  callCount(): number {
    return this.honeycomb.calls.length + this.xray.calls.length + this.logs.calls.length;
  }

  forgetCalls(): void {
    this.honeycomb.calls.length = 0;
    this.xray.calls.length = 0;
    this.logs.calls.length = 0;
  }
}

export interface RunResult {
  code: number;
  output: string;
}

export async function runCommand(command: RunOptions['command'], env: RunOptions['env'], options: Partial<RunOptions> = {}): Promise<RunResult> {
  let output = '';
  const code = await run({ command, env, write: (text) => (output += text), ...options });
  return { code, output };
}

/** A copy of the shipped definitions in a temporary folder, for tests to change one file of. */
export class EditedDefinitions {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'observability-definitions-'));

  constructor() {
    cpSync(DEFINITIONS_DIR, this.dir, { recursive: true });
  }

  editHoneycomb(change: (document: HoneycombYaml) => void): this {
    const document = this.read('honeycomb.yaml') as HoneycombYaml;
    change(document);
    return this.write('honeycomb.yaml', stringify(document));
  }

  editXRay(change: (document: XRayYaml) => void): this {
    const document = this.read('xray.yaml') as XRayYaml;
    change(document);
    return this.write('xray.yaml', stringify(document));
  }

  editCloudWatch(change: (document: CloudWatchYaml) => void): this {
    const document = this.read('cloudwatch.yaml') as CloudWatchYaml;
    change(document);
    return this.write('cloudwatch.yaml', stringify(document));
  }

  write(file: string, text: string): this {
    writeFileSync(path.join(this.dir, file), text);
    return this;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private read(file: string): unknown {
    return parse(readFileSync(path.join(this.dir, file), 'utf8'));
  }
}

/** The shipped definitions' parsed YAML, loosely typed for edits. */
export interface HoneycombYaml {
  queries: { name: string; description?: string; spec: Record<string, unknown> }[];
  board: { name: string; panels: { query: string; style?: string }[] };
}

export interface XRayYaml {
  sampling_rules: Record<string, unknown>[];
  groups: Record<string, unknown>[];
}

export interface CloudWatchYaml {
  log_groups: Record<string, unknown>[];
}
