import { expect } from 'chai';
import Koa from 'koa';
import supertest from 'supertest';
import { requestId } from '../../src/framework/request-id';
import { requestTracing } from '../../src/telemetry/request-tracing';

describe('the request tracing middleware', () => {
  it('answers with trace headers when the request id middleware comes first', async () => {
    const app = new Koa().use(requestId()).use(requestTracing(undefined)).use((ctx) => {
      ctx.body = 'ok';
    });
    const res = await supertest(app.callback()).get('/api/activities/home').expect(200);
    expect(res.headers['x-amzn-trace-id']).to.match(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=0$/);
  });

  it('fails loudly when mounted without the request context it joins (a wiring mistake, never silence)', async () => {
    const errors: unknown[] = [];
    const app = new Koa().use(requestTracing(undefined)).use((ctx) => {
      ctx.body = 'ok';
    });
    app.silent = true;
    app.on('error', (err: unknown) => errors.push(err));
    await supertest(app.callback()).get('/api/activities/home').expect(500);
    expect(String(errors[0])).to.include('mount requestId() before it');
  });
});
