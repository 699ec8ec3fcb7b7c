import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import TransportStream from 'winston-transport';
import { createLogger } from '../../src/telemetry/logger';

const MESSAGE = Symbol.for('message');

/** Records the line a destination such as CloudWatch is handed for each entry. */
class LineRecorder extends TransportStream {
  readonly lines: unknown[] = [];

  override log(info: Record<symbol, unknown>, next: () => void): void {
    this.lines.push(info[MESSAGE]);
    next();
  }
}

function logOnce(format: 'json' | 'pretty'): { stdout: string; shipped: unknown[] } {
  const stream = new PassThrough();
  const recorder = new LineRecorder();
  const logger = createLogger({ level: 'info', format, stream, transports: [recorder] });
  logger.info('request completed', { status: 200 });
  return { stdout: String(stream.read() ?? ''), shipped: recorder.lines };
}

describe('log lines', () => {
  it('are one JSON line, the same on stdout and for the other destinations', () => {
    const { stdout, shipped } = logOnce('json');
    expect(JSON.parse(stdout)).to.include({ level: 'info', message: 'request completed', status: 200 });
    expect(shipped).to.deep.equal([stdout.trimEnd()]);
  });

  it('are pretty on stdout when asked, and still JSON for the other destinations', () => {
    const { stdout, shipped } = logOnce('pretty');
    expect(stdout).to.match(/^\S+Z \S*info\S* request completed \{"status":200\}\n$/);
    expect(JSON.parse(String(shipped[0]))).to.include({ level: 'info', message: 'request completed', status: 200 });
  });
});
