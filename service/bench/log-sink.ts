/**
 * Reads a server's stdout the way a container runtime does: from a pipe, in a process of its own, so the server
 * never waits on the harness (whose stand-ins decode telemetry in bursts). It repeats the server's `listening` line
 * on its own stdout, for the harness, and discards every other line.
 */
let head = '';
let listening = false;
process.stdin.setEncoding('utf8').on('data', (chunk: string) => {
  if (listening) return;
  head += chunk;
  const lines = head.split('\n');
  head = lines.pop() ?? '';
  const line = lines.find((candidate) => candidate.includes('"listening"'));
  if (line !== undefined) {
    listening = true;
    head = '';
    process.stdout.write(`${line}\n`);
  }
});
