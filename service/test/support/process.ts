import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

/** The repository root, from dist/test/support. */
export const ROOT = path.resolve(__dirname, '../../..');

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or signal name) once the process ends. */
  exited: Promise<number | string>;
  /** Resolves with the first JSON line of stdout whose message is `message` once it is written; rejects if the
   * process ends first. */
  logged: (message: string) => Promise<Record<string, unknown>>;
}

/**
 * Starts the built service exactly as the image does (`node dist/src/main.js`) on an ephemeral port, and
 * resolves once it logs that it listens.
 */
export async function startService(env: Record<string, string> = {}, timeoutMs = 15_000): Promise<ServiceProcess> {
  const child = spawn(
    process.execPath,
    ['dist/src/main.js'],
    { cwd: ROOT, env: { PATH: process.env.PATH, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => (code as number | null) ?? (signal as string));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`service did not start in ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`));
    }, timeoutMs);
    const check = () => {
      const match = /"message":"listening"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"message":"listening"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1] ?? match[2]));
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`service exited (${code}) before listening\nstdout: ${out}\nstderr: ${err}`));
    });
  });
  const logged = (message: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const line = jsonLines(out.slice(0, out.lastIndexOf('\n') + 1)).find((l) => l.message === message);
        if (line === undefined) return;
        child.stdout.off('data', check);
        resolve(line);
      };
      child.stdout.on('data', check);
      void exited.then((code) => {
        child.stdout.off('data', check);
        reject(new Error(`service exited (${code}) before logging '${message}'\nstdout: ${out}\nstderr: ${err}`));
      });
      check();
    });
  return { child, port, stdout: () => out, stderr: () => err, exited, logged };
}

export interface Completed {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built service to completion (for start-up failures). */
export function runService(env: Record<string, string>): Promise<Completed> {
  return runNode(['dist/src/main.js'], env);
}

/** Runs a built script with this Node, from the repository root, with only the given environment (and PATH). */
export function runNode(args: string[], env: Record<string, string | undefined>): Promise<Completed> {
  return completed(spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH, ...env } }));
}

/** Waits for a child to exit and gives its exit code and output. */
export async function completed(child: ChildProcess): Promise<Completed> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** Parsed JSON lines of a process's output. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** OpenTelemetry started as main.ts starts it, from the environment's configuration: a line for `node -e` scripts. */
export const START_OPENTELEMETRY =
  "require('./dist/src/telemetry/opentelemetry.js').startOpenTelemetry(require('./dist/src/config.js').loadConfig());";

/**
 * Runs `script` (`node -e`) from the repository root in a process of its own, with only PATH and `env`, and parses
 * the JSON it writes to stdout: for what a fresh module cache or a patched module must not leak into the tests.
 */
export function evaluateInFreshProcess(script: string, env: Record<string, string> = {}): unknown {
  const out = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  return JSON.parse(out) as unknown;
}
