import { expect } from 'chai';
import { halfSentPost } from '../support/http';
import { jsonLines, startService } from '../support/process';

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('shutdown on SIGTERM', () => {
  it('finishes the request in flight, then exits 0', async () => {
    const service = await startService();
    const post = halfSentPost(service.port, 'sent during shutdown');
    await settle(200);
    service.child.kill('SIGTERM');
    await settle(300);
    expect(service.child.exitCode).to.equal(null); // still waiting for the in-flight request
    post.finish();
    const answer = await post.answered;
    expect(answer.status).to.equal(200);
    expect(JSON.parse(answer.body)).to.include({ message: 'sent during shutdown' });
    expect(await service.exited).to.equal(0);
    const messages = jsonLines(service.stdout()).map((line) => line.message);
    expect(messages).to.include.members(['shutting down', 'http server closed']);
  });

  it('exits at once on a second signal', async () => {
    const service = await startService();
    const post = halfSentPost(service.port, 'sent during shutdown');
    post.answered.catch(() => undefined); // the connection dies with the process
    await settle(200);
    service.child.kill('SIGTERM');
    await settle(200);
    service.child.kill('SIGTERM');
    expect(await service.exited).to.equal(143);
  });
});
