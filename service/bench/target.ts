import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

/** A server process to measure: its node arguments and environment. */
export interface TargetSpec {
  args: string[];
  env: Record<string, string>;
}

export interface RunningTarget {
  pid: number;
  port: number;
  /** SIGTERM, then waits for the exit (the service flushes its telemetry on the way out). */
  stop: (timeoutMs: number) => Promise<void>;
}

const TAIL_CHARS = 4_000;
const LISTENING = /"message":"listening"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"message":"listening"/;

/**
 * Starts `node <args>` from `cwd`, pinned to `cpu` when given, and resolves once it logs that it listens. Its stdout
 * is a pipe drained by log-sink.js (on this process's CPU), as a container runtime drains it; stderr is kept for errors.
 */
export async function startTarget(spec: TargetSpec, cwd: string, cpu: number | undefined, timeoutMs = 30_000): Promise<RunningTarget> {
  const sink = spawn(process.execPath, [path.join(__dirname, 'log-sink.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const node = [process.execPath, ...spec.args];
  const [command = process.execPath, ...args] = cpu === undefined ? node : ['taskset', '--cpu-list', String(cpu), ...node];
  const child = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH, PORT: '0', ...spec.env },
    stdio: ['ignore', sink.stdin, 'pipe'],
  });
  // The server holds its own copy of the pipe: the sink ends when the server does.
  sink.stdin.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-TAIL_CHARS)));
  const exited = once(child, 'exit');

  const port = await new Promise<number>((resolve, reject) => {
    let head = '';
    const timer = setTimeout(() => {
      fail(new Error(`${spec.args.join(' ')} did not start in ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    const onData = (chunk: string) => {
      head += chunk;
      const match = LISTENING.exec(head);
      if (match) {
        finish(() => {
          resolve(Number(match[1] ?? match[2]));
        });
      }
    };
    const onExit = () => {
      fail(new Error(`${spec.args.join(' ')} exited before listening:\n${stderr}`));
    };
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      sink.stdout.off('data', onData);
      child.off('exit', onExit);
      settle();
    };
    const fail = (error: Error) => {
      finish(() => {
        child.kill('SIGKILL');
        reject(error);
      });
    };
    sink.stdout.setEncoding('utf8').on('data', onData);
    child.once('exit', onExit);
  });

  return { pid: pidOf(child), port, stop: (stopTimeoutMs) => stop(child, exited, stopTimeoutMs) };
}

function pidOf(child: ChildProcess): number {
  if (child.pid === undefined) throw new Error('the target process has no pid');
  return child.pid;
}

async function stop(child: ChildProcess, exited: Promise<unknown>, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}
