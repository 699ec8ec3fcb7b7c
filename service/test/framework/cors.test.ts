import { expect } from 'chai';
import { buildApp } from '../support/app';

const ENV = { FRONTEND_URL: 'https://app.cruddur.test', BACKEND_URL: 'https://api.cruddur.test' };

describe('CORS on /api/*', () => {
  it('answers a preflight from the frontend origin with the allowed methods and headers', async () => {
    const res = await buildApp(ENV)
      .request()
      .options('/api/activities')
      .set('Origin', 'https://app.cruddur.test')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).to.equal('https://app.cruddur.test');
    expect(res.headers['access-control-allow-methods']).to.equal('OPTIONS,GET,HEAD,POST');
    expect(res.headers['access-control-allow-headers']).to.equal('content-type,if-modified-since');
  });

  it('allows the backend origin too', async () => {
    const res = await buildApp(ENV).request().get('/api/activities/home').set('Origin', 'https://api.cruddur.test').expect(200);
    expect(res.headers['access-control-allow-origin']).to.equal('https://api.cruddur.test');
    expect(res.headers['access-control-expose-headers']).to.include('location,link');
  });

  it('gives a disallowed origin no CORS headers, on a preflight and on a POST', async () => {
    const app = buildApp(ENV);
    const preflight = await app
      .request()
      .options('/api/activities')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers).not.to.have.property('access-control-allow-origin');
    expect(preflight.headers).not.to.have.property('access-control-allow-methods');
    const post = await app
      .request()
      .post('/api/activities')
      .set('Origin', 'https://evil.example')
      .send({ message: 'hi', ttl: '1-day' });
    expect(post.headers).not.to.have.property('access-control-allow-origin');
  });

  it('defaults to the local frontend and backend origins', async () => {
    const res = await buildApp().request().get('/api/activities/home').set('Origin', 'http://localhost:3000').expect(200);
    expect(res.headers['access-control-allow-origin']).to.equal('http://localhost:3000');
  });

  it('adds no CORS headers outside /api', async () => {
    const res = await buildApp().request().get('/health').set('Origin', 'http://localhost:3000').expect(200);
    expect(res.headers).not.to.have.property('access-control-allow-origin');
  });
});
