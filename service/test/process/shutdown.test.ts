import { expect } from 'chai';
import { halfSentPost } from '../support/http';
import { jsonLines, startService } from '../support/process';

const SHUTDOWN_LINES = ['shutting down', 'request completed', 'http server closed'];

describe('shutdown on SIGTERM', () => {
  it('finishes the request in flight, then closes the server and exits 0', async () => {
    const service = await startService();
    const post = halfSentPost(service.port, 'sent during shutdown');
    await post.received;
    service.child.kill('SIGTERM');
    await service.logged('shutting down');
    post.finish();
    const answer = await post.answered;
    expect(answer.status).to.equal(200);
    expect(JSON.parse(answer.body)).to.include({ message: 'sent during shutdown' });
    expect(await service.exited).to.equal(0);
    const messages = jsonLines(service.stdout()).map((line) => String(line.message));
    expect(messages.filter((m) => SHUTDOWN_LINES.includes(m)), 'the server closed after the request completed').to.deep.equal(SHUTDOWN_LINES);
  });

  it('exits at once on a second signal', async () => {
    const service = await startService();
    const post = halfSentPost(service.port, 'sent during shutdown');
    post.answered.catch(() => undefined); // the connection dies with the process
    await post.received;
    service.child.kill('SIGTERM');
    await service.logged('shutting down');
    service.child.kill('SIGTERM');
    expect(await service.exited).to.equal(143);
  });
});
