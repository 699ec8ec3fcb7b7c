import { setImmediate as nextTurn } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { BatchedLines } from '../../src/telemetry/batched-stdout';
import { runNode } from '../support/process';

/** Records each write that reaches the destination. */
function destination(): { out: Writable; writes: string[] } {
  const writes: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk.toString('utf8'));
      done();
    },
  });
  return { out, writes };
}

describe('batched stdout', () => {
  it('writes the lines of one turn of the event loop at once, in order', async () => {
    const { out, writes } = destination();
    const lines = new BatchedLines(out);
    lines.write('one\n');
    lines.write('two\n');
    lines.write('three\n');
    expect(writes).to.deep.equal([]);
    await nextTurn();
    expect(writes).to.deep.equal(['one\ntwo\nthree\n']);
    lines.write('four\n');
    await nextTurn();
    expect(writes).to.deep.equal(['one\ntwo\nthree\n', 'four\n']);
  });

  it('writes what is pending before the process exits', async () => {
    const script = `const { batchedStdout } = require('./dist/src/telemetry/batched-stdout.js');
      batchedStdout().write('last words\\n');
      process.exit(3);`;
    const { code, stdout } = await runNode(['-e', script], {});
    expect(code).to.equal(3);
    expect(stdout).to.equal('last words\n');
  });
});
