import { expect } from 'chai';
import { type ClientRequest, request } from 'node:http';
import { jsonLines, startService } from '../support/process';

/** A POST whose body is only half sent: the request stays in flight until `finish()`. */
function halfSentPost(port: number) {
  const body = JSON.stringify({ message: 'sent during shutdown', ttl: '1-day' });
  let req!: ClientRequest;
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/api/activities', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: text });
        });
      },
    );
    req.on('error', reject);
    req.write(body.slice(0, 10));
  });
  return { answered, finish: () => req.end(body.slice(10)) };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('shutdown on SIGTERM', () => {
  it('finishes the request in flight, then exits 0', async () => {
    const service = await startService();
    const post = halfSentPost(service.port);
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
    const post = halfSentPost(service.port);
    post.answered.catch(() => undefined); // the connection dies with the process
    await settle(200);
    service.child.kill('SIGTERM');
    await settle(200);
    service.child.kill('SIGTERM');
    expect(await service.exited).to.equal(143);
  });
});
