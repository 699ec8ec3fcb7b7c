import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

/** The binaries the end-to-end suite runs, exported by the Makefile (`make e2e`, `make test`). */
export type E2ETool = 'OTELCOL' | 'HELM';

const HOW_TO_GET: Record<E2ETool, string> = {
  OTELCOL: 'make e2e-tools (builds the collector with ocb from k8s/collector/builder-config.yaml)',
  HELM: 'make deploy-tools',
};

/**
 * Path of a tool the Makefile exports. The suite never skips: a missing tool fails every test that needs it,
 * with what to run.
 */
export function e2eTool(name: E2ETool): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(
      `${name} is not set: run the end-to-end tests through \`make e2e\` or \`make test\` (they build the pinned tools into .tools/ and export ${name}), or export ${name}=/path/to/the/binary after \`${HOW_TO_GET[name]}\``,
    );
  }
  if (!existsSync(value)) throw new Error(`${name}=${value} does not exist: run \`${HOW_TO_GET[name]}\``);
  return value;
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it; the caller binds it soon after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every `intervalMs` until it returns a value, or fails after `timeoutMs` saying what it waited for. */
export async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, what: () => string, timeoutMs = 15_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(intervalMs);
  }
}
