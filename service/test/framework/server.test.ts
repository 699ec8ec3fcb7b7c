import { expect } from 'chai';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { startServer } from '../../src/framework/server';
import { buildApp } from '../support/app';
import { send } from '../support/http';

/** An app with a /held route appended after the router: `arrived` resolves when a request reaches it, which is
 * answered once the test calls `release()`. */
function heldApp() {
  const app = buildApp();
  let arrived!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  app.app.use(async (ctx) => {
    if (ctx.path !== '/held') return;
    arrived();
    await released;
    ctx.body = { held: true };
  });
  return { ...app, arrived: reached, release };
}

/** Whether a new connection to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    connect(port, '127.0.0.1').on('connect', function (this: Socket) {
      this.destroy();
      resolve(false);
    }).on('error', () => {
      resolve(true);
    });
  });
}

/** A GET through `agent` (keep-alive): the answer's status and Connection header, and whether the socket was reused. */
function fetchWith(agent: Agent, port: number): Promise<{ status: number; connection: string | undefined; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/activities/home', agent }, (res) => {
      res.resume();
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, reused: req.reusedSocket });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function get(port: number, path: string, headers: Record<string, string> = {}) {
  return send(port, { path, headers });
}

describe('HTTP server', () => {
  it('answers a header over Node’s limit with 431 and keeps serving', async () => {
    const { port, drain } = await startServer(buildApp().app, { port: 0, host: '127.0.0.1', keepAliveTimeoutMs: 5_000 });
    try {
      const res = await get(port, '/api/activities/home', { 'x-huge': 'a'.repeat(20 * 1024) });
      expect(res.status).to.equal(431);
      expect((await get(port, '/api/activities/home')).status).to.equal(200);
    } finally {
      await drain(1_000);
    }
  });

  it('sets keep-alive and headers timeouts above the load balancer idle timeout', async () => {
    const { server, drain } = await startServer(buildApp().app, { port: 0, host: '127.0.0.1', keepAliveTimeoutMs: 65_000 });
    expect(server.keepAliveTimeout).to.equal(65_000);
    expect(server.headersTimeout).to.be.greaterThan(65_000);
    await drain(1_000);
  });

  it('lets an in-flight request finish while draining, and refuses new connections', async () => {
    const app = heldApp();
    const { port, drain } = await startServer(app.app, { port: 0, host: '127.0.0.1', keepAliveTimeoutMs: 5_000 });
    const inFlight = get(port, '/held');
    await app.arrived;
    app.lifecycle.startDraining();
    let settled = false;
    const drained = drain(5_000).finally(() => (settled = true));
    expect(await refused(port)).to.equal(true);
    expect(settled, 'drain() resolved with a request in flight').to.equal(false);
    app.release();
    expect((await inFlight).status).to.equal(200);
    expect(await drained).to.equal('drained');
  });

  it('closes keep-alive connections once draining so clients move to another pod', async () => {
    const app = buildApp();
    const { port, drain } = await startServer(app.app, { port: 0, host: '127.0.0.1', keepAliveTimeoutMs: 5_000 });
    app.lifecycle.startDraining();
    const res = await get(port, '/api/activities/home', { connection: 'keep-alive' });
    expect(res.headers.connection).to.equal('close');
    await drain(1_000);
  });

  it('answers a keep-alive client that sends again just after draining starts, with Connection: close, not a reset', async () => {
    const app = buildApp();
    const { port, drain } = await startServer(app.app, { port: 0, host: '127.0.0.1', keepAliveTimeoutMs: 5_000 });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const call = () => fetchWith(agent, port);
    try {
      const first = await call();
      expect(first.connection).to.equal('keep-alive');
      app.lifecycle.startDraining();
      const drained = drain(5_000);
      const again = await call();
      expect({ status: again.status, connection: again.connection, reused: again.reused }).to.deep.equal({ status: 200, connection: 'close', reused: true });
      expect(await drained).to.equal('drained');
    } finally {
      agent.destroy();
    }
  });

  it('force-closes requests still running at the drain deadline', async () => {
    const app = heldApp();
    const { port, drain } = await startServer(app.app, { port: 0, host: '127.0.0.1', keepAliveTimeoutMs: 5_000 });
    const inFlight = get(port, '/held').catch((err: unknown) => err);
    await app.arrived;
    try {
      // The request is held until after drain() resolves: it cannot have waited for it.
      expect(await drain(300)).to.equal('timed out');
      expect(await inFlight).to.be.instanceOf(Error);
    } finally {
      app.release();
    }
  });
});
