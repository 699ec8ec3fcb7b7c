import { expect } from 'chai';
import { buildApp } from '../support/app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('generates a request id when the caller sends none', async () => {
    const res = await buildApp().request().get('/api/activities/home').expect(200);
    expect(res.headers['x-request-id']).to.match(UUID);
  });

  it("keeps a sane incoming x-request-id and logs it", async () => {
    const app = buildApp();
    await app.request().get('/api/activities/home').set('x-request-id', 'abc-123.def:4_5').expect('x-request-id', 'abc-123.def:4_5');
    expect(app.logs.find((line) => line.message === 'request completed')).to.include({ request_id: 'abc-123.def:4_5' });
  });

  it('replaces an incoming id that is too long or carries unsafe characters', async () => {
    const app = buildApp();
    for (const hostile of ['x'.repeat(200), 'a b', '<script>', '../etc/passwd', 'id%C3%A9', 'a\tb']) {
      const res = await app.request().get('/api/activities/home').set('x-request-id', hostile);
      expect(res.headers['x-request-id'], hostile).to.match(UUID);
    }
  });

  it('answers errors with a request id too', async () => {
    const res = await buildApp().request().get('/missing').expect(404);
    expect(res.headers['x-request-id']).to.match(UUID);
  });
});
