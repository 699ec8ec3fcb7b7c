import { expect } from 'chai';
import { connect } from 'node:net';
import { startServer } from '../../src/framework/server';
import { buildApp } from '../support/app';
import { send } from '../support/http';

/** An app with a /slow route (ms from the query) appended after the router. */
function slowApp() {
  const app = buildApp();
  app.app.use(async (ctx) => {
    if (ctx.path !== '/slow') return;
    await new Promise((resolve) => setTimeout(resolve, Number(ctx.query.ms)));
    ctx.body = { slept: Number(ctx.query.ms) };
  });
  return app;
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
    const app = slowApp();
    const { port, drain } = await startServer(app.app, { port: 0, host: '127.0.0.1', keepAliveTimeoutMs: 5_000 });
    const inFlight = get(port, '/slow?ms=400');
    await new Promise((resolve) => setTimeout(resolve, 100));
    app.lifecycle.startDraining();
    const drained = drain(5_000);
    const answer = await inFlight;
    expect(answer.status).to.equal(200);
    expect(await drained).to.equal('drained');
    const refused = await new Promise<boolean>((resolve) => {
      connect(port, '127.0.0.1').on('connect', () => { resolve(false); }).on('error', () => { resolve(true); });
    });
    expect(refused).to.equal(true);
  });

  it('closes keep-alive connections once draining so clients move to another pod', async () => {
    const app = slowApp();
    const { port, drain } = await startServer(app.app, { port: 0, host: '127.0.0.1', keepAliveTimeoutMs: 5_000 });
    app.lifecycle.startDraining();
    const res = await get(port, '/api/activities/home', { connection: 'keep-alive' });
    expect(res.headers.connection).to.equal('close');
    await drain(1_000);
  });

  it('force-closes requests still running at the drain deadline', async () => {
    const app = slowApp();
    const { port, drain } = await startServer(app.app, { port: 0, host: '127.0.0.1', keepAliveTimeoutMs: 5_000 });
    const inFlight = get(port, '/slow?ms=2000').catch((err: unknown) => err);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    expect(await drain(300)).to.equal('timed out');
    expect(Date.now() - started).to.be.lessThan(2_000);
    expect(await inFlight).to.be.instanceOf(Error);
  });
});
