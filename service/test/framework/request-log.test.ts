import { expect } from 'chai';
import { buildApp } from '../support/app';

describe('request log', () => {
  it('writes one JSON line per request with method, route, status, duration and request id', async () => {
    const app = buildApp();
    await app.request().get('/api/activities/@worf').set('x-request-id', 'req-1').expect(200);
    expect(app.logs).to.have.length(1);
    const line = app.logs[0] ?? {};
    expect(line).to.include({
      level: 'info',
      message: 'request completed',
      method: 'GET',
      route: '/api/activities/@:handle',
      path: '/api/activities/@worf',
      status: 200,
      request_id: 'req-1',
    });
    expect(line.duration_ms).to.be.a('number').at.least(0);
    expect(line.timestamp).to.be.a('string');
  });

  it('logs client errors at warn and server errors at error', async () => {
    const app = buildApp();
    app.app.use(() => {
      throw new Error('boom');
    });
    await app.request().get('/api/activities/search').expect(422);
    await app.request().get('/nowhere').expect(500);
    const completed = app.logs.filter((line) => line.message === 'request completed');
    expect(completed.map((line) => [line.status, line.level])).to.deep.equal([
      [422, 'warn'],
      [500, 'error'],
    ]);
  });
});
