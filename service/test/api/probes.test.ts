import { expect } from 'chai';
import { buildApp } from '../support/app';

describe('probes', () => {
  it('answers /health with Healthy as the original did', async () => {
    const res = await buildApp().request().get('/health').expect(200).expect('content-type', /text\/plain/);
    expect(res.text).to.equal('Healthy');
  });

  it('answers /ready with 200 while serving and 503 once draining', async () => {
    const app = buildApp();
    await app.request().get('/ready').expect(200, 'Ready');
    app.lifecycle.startDraining();
    await app.request().get('/ready').expect(503, 'Draining');
    await app.request().get('/health').expect(200, 'Healthy');
  });

  it('writes no request log line for probes', async () => {
    const app = buildApp();
    await app.request().get('/health').expect(200);
    await app.request().get('/ready').expect(200);
    expect(app.logs).to.deep.equal([]);
  });
});
