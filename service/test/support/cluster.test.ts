import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answering } from './cluster';
import { freePort } from './e2e/tools';

describe('answering() (the cluster suites wait with it for a Service)', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
    server = undefined;
  });

  it('retries broken connections until the URL answers', async () => {
    let connections = 0;
    server = createServer((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    // The first two connections are reset, as a node whose rules do not reach the pod yet refuses them.
    server.on('connection', (socket) => {
      connections += 1;
      if (connections <= 2) socket.resetAndDestroy();
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    await answering(`http://127.0.0.1:${port}/health`, 20_000);

    expect(connections).to.equal(3);
  });

  it('fails after its deadline with the last error', async () => {
    const port = await freePort();
    const failed = await answering(`http://127.0.0.1:${port}/health`, 300).then(
      () => expect.fail('answering() resolved with nothing listening'),
      (error: unknown) => error as Error,
    );
    expect(failed.message).to.include(`http://127.0.0.1:${port}/health to answer; last error:`).and.to.include('ECONNREFUSED');
  });
});
