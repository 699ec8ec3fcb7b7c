import { expect } from 'chai';
import { runService } from '../support/process';

describe('start-up with an invalid configuration', () => {
  it('exits 1 with one line naming every invalid variable and no stack trace', async () => {
    const { code, stdout, stderr } = await runService({ PORT: 'abc', LOG_LEVEL: 'loud', FRONTEND_URL: 'nope' });
    expect(code).to.equal(1);
    expect(stdout).to.equal('');
    const lines = stderr.trim().split('\n');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^Invalid configuration: /);
    for (const name of ['PORT', 'LOG_LEVEL', 'FRONTEND_URL']) expect(lines[0]).to.include(name);
    expect(stderr).not.to.match(/\n\s+at /);
  });

  it('exits 1 with a readable line when the port is taken', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const { code, stderr } = await runService({ PORT: String(port) });
      expect(code).to.equal(1);
      expect(stderr).to.match(/^Failed to start: .*EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });
});
