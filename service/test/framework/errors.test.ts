import { expect } from 'chai';
import { buildApp } from '../support/app';

describe('unexpected errors', () => {
  function appThatFails() {
    const app = buildApp();
    // After the router: only paths it does not know reach this.
    app.app.use((ctx) => {
      if (ctx.path === '/boom') throw new Error('database password is hunter2');
    });
    return app;
  }

  it('answers 500 with a JSON body that reveals neither message nor stack', async () => {
    const res = await appThatFails().request().get('/boom').expect(500).expect('content-type', /json/);
    expect(res.body).to.deep.equal({ error: 'internal_error', message: 'Internal Server Error' });
    expect(res.text).not.to.include('hunter2');
  });

  it('logs the error with its stack and hands it to the server-error listener once', async () => {
    const app = appThatFails();
    await app.request().get('/boom').expect(500);
    const failure = app.logs.find((line) => line.message === 'request failed');
    expect(failure?.err).to.have.property('stack').that.includes('database password');
    expect(app.serverErrors).to.have.length(1);
  });

  it('does not treat client errors as server errors', async () => {
    const app = buildApp();
    await app.request().post('/api/activities').type('application/json').send('{').expect(400);
    await app.request().get('/nope').expect(404);
    expect(app.serverErrors).to.deep.equal([]);
  });
});
