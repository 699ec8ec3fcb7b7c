import { spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { find, render } from '../deploy/render';
import { type Completed, completed } from './process';

/**
 * The Docker client and engine chosen by k8s/docker/with-engine.sh: `make image-test` runs the image suites under it,
 * which exports DOCKER and DOCKER_HOST.
 */
const client = process.env.DOCKER ?? 'docker';

/** An image built by `make image`, `make collector-image` or `make xray-stand-in-image`, as the Makefile names it. */
export function builtImage(variable: 'IMAGE' | 'COLLECTOR_IMAGE' | 'XRAY_STAND_IN_IMAGE'): string {
  const image = process.env[variable];
  if (image === undefined || image === '') {
    throw new Error(`${variable} is not set: run the image suites through \`make image-test\` (it builds the images and exports ${variable})`);
  }
  return image;
}

/** Runs the Docker client to completion and returns its stdout; throws with its stderr when it fails. */
export function docker(args: string[], input?: string | Buffer): string {
  const result = spawnSync(client, args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** The same, without blocking the event loop (for commands that wait, like `docker stop`). */
export function dockerAsync(args: string[]): Promise<Completed> {
  return completed(spawn(client, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** `docker inspect --format` of an image or container, trimmed. */
export function inspect(target: string, format: string): string {
  return docker(['inspect', '--format', format, target]).trim();
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A GET on 127.0.0.1 that resolves with the status and body, or null when nothing answers yet. */
export function get(port: number, path: string): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', () => {
        resolve(null);
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => {
      resolve(null);
    });
    req.end();
  });
}

/** A container started detached for one test; `remove()` it in afterEach. */
export class Container {
  private constructor(readonly id: string) {}

  /** `docker run -d <options> <image> <command>`. */
  static run(image: string, options: string[], command: string[] = []): Container {
    return new Container(docker(['run', '--detach', ...options, image, ...command]).trim());
  }

  running(): boolean {
    return inspect(this.id, '{{.State.Running}}') === 'true';
  }

  exitCode(): number {
    return Number(inspect(this.id, '{{.State.ExitCode}}'));
  }

  logs(): string {
    const result = spawnSync(client, ['logs', this.id], { encoding: 'utf8' });
    return result.stdout + result.stderr;
  }

  /** The 127.0.0.1 port that publishes a container port (run with `-p 127.0.0.1::<port>[/udp]`). */
  hostPort(containerPort: number, protocol: 'tcp' | 'udp' = 'tcp'): number {
    const published = docker(['port', this.id, `${containerPort}/${protocol}`]).split('\n')[0] ?? '';
    const match = /^127\.0\.0\.1:(\d+)$/.exec(published.trim());
    if (match === null) throw new Error(`container port ${containerPort} is not published on 127.0.0.1: '${published}'`);
    return Number(match[1]);
  }

  exec(command: string[], input?: string | Buffer): string {
    return docker(['exec', ...(input === undefined ? [] : ['--interactive']), this.id, ...command], input);
  }

  /** Polls `path` on the published port until `accept` takes the answer; fails early when the container exits. */
  async waitFor(
    port: number,
    path: string,
    accept: (answer: { status: number; body: string }) => boolean,
    timeoutMs: number,
  ): Promise<{ status: number; body: string }> {
    const deadline = Date.now() + timeoutMs;
    let last: { status: number; body: string } | null = null;
    while (Date.now() < deadline) {
      last = await get(port, path);
      if (last !== null && accept(last)) return last;
      if (!this.running()) throw new Error(`container exited (${this.exitCode()}) while waiting for ${path}:\n${this.logs()}`);
      await settle(250);
    }
    throw new Error(`no accepted answer on ${path} within ${timeoutMs} ms (last: ${JSON.stringify(last)}):\n${this.logs()}`);
  }

  /** Polls the container's log until a JSON line says `message`; fails early when the container exits. */
  async logged(message: string, timeoutMs: number): Promise<void> {
    const said = () => this.logs().split('\n').some((line) => line.startsWith('{') && (JSON.parse(line) as { message?: unknown }).message === message);
    for (const deadline = Date.now() + timeoutMs; !said(); await settle(100)) {
      if (!this.running()) throw new Error(`container exited (${this.exitCode()}) before logging '${message}':\n${this.logs()}`);
      if (Date.now() > deadline) throw new Error(`no '${message}' in the container's log within ${timeoutMs} ms:\n${this.logs()}`);
    }
  }

  remove(): void {
    spawnSync(client, ['rm', '--force', '--volumes', this.id], { encoding: 'utf8' });
  }
}

/**
 * A folder holding one file of a ConfigMap the chart renders (default profile), readable by any container user:
 * to mount where the chart mounts it. Remove it after the test.
 */
export function renderedConfigFolder(configMap: string, key: string): string {
  const { data } = find(render(), 'ConfigMap', configMap) as unknown as { data: Record<string, string> };
  const dir = mkdtempSync(path.join(tmpdir(), `${configMap}-`));
  chmodSync(dir, 0o755);
  writeFileSync(path.join(dir, key), data[key] ?? '', { mode: 0o644 });
  return dir;
}
