import { Writable } from 'node:stream';

/**
 * Log lines for stdout, written once per turn of the event loop rather than once each: with a pipe (what a
 * container runtime reads) every write is a system call that wakes the reader (service/bench measures what it saves).
 * Whatever is pending is written before the process exits; a SIGKILL loses at most the current turn's lines.
 */
export class BatchedLines extends Writable {
  private pending: string[] = [];
  private scheduled = false;

  constructor(private readonly out: NodeJS.WritableStream) {
    super({ decodeStrings: false });
    process.once('exit', () => {
      this.flushPending();
    });
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.pending.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.flushPending();
      });
    }
    done();
  }

  private flushPending(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const lines = this.pending.join('');
    this.pending = [];
    this.out.write(lines);
  }
}

let stdout: BatchedLines | undefined;

/** The process's one batched stdout (a second would write out of order). */
export function batchedStdout(): NodeJS.WritableStream {
  stdout ??= new BatchedLines(process.stdout);
  return stdout;
}
