import { expect } from 'chai';
import Koa from 'koa';
import supertest from 'supertest';
import { requestId } from '../../src/framework/request-id';
import { requestTracing } from '../../src/telemetry/request-tracing';
import { KeepPolicy } from '../../src/telemetry/sampling/keep-policy';
import type { XRayRecorder } from '../../src/telemetry/xray-recorder';

/** A telemetry bug, injected: whatever tracing calls throws. */
const broken = (): never => {
  throw new Error('injected telemetry bug');
};

describe('the request tracing middleware', () => {
  it('answers with trace headers when the request id middleware comes first', async () => {
    const app = new Koa().use(requestId()).use(requestTracing()).use((ctx) => {
      ctx.body = 'ok';
    });
    const res = await supertest(app.callback()).get('/api/activities/home').expect(200);
    expect(res.headers['x-amzn-trace-id']).to.match(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=0$/);
  });

  it('fails loudly when mounted without the request context it joins (a wiring mistake, never silence)', async () => {
    const errors: unknown[] = [];
    const app = new Koa().use(requestTracing()).use((ctx) => {
      ctx.body = 'ok';
    });
    app.silent = true;
    app.on('error', (err: unknown) => errors.push(err));
    await supertest(app.callback()).get('/api/activities/home').expect(500);
    expect(String(errors[0])).to.include('mount requestId() before it');
  });

  describe('a throw inside telemetry', () => {
    function appWith(options: Parameters<typeof requestTracing>[0]) {
      const failures: string[] = [];
      const errors: unknown[] = [];
      const app = new Koa()
        .use(requestId())
        .use(requestTracing({ ...options, onFailure: (stage) => failures.push(stage) }))
        .use((ctx) => {
          ctx.body = { served: true };
        });
      app.on('error', (err: unknown) => errors.push(err));
      return { app, failures, errors };
    }

    it('when the request is decided: the answer is served whole, and the failure reported once', async () => {
      const policy = new KeepPolicy({ share: 1, slowMs: 1_000, callerKeepsPerSecond: 0 });
      policy.decide = broken;
      const { app, failures, errors } = appWith({ keep: { policy } });
      const res = await supertest(app.callback()).get('/api/activities/home').expect(200);
      expect(res.body).to.deep.equal({ served: true });
      expect(failures).to.deep.equal(['request end']);
      expect(errors).to.deep.equal([]);
    });

    it('when the segment is opened: the answer is served untraced by X-Ray, and the failure reported', async () => {
      const xray = { openSegment: broken, closeSegment: broken } as unknown as XRayRecorder;
      const policy = new KeepPolicy({ share: 1, slowMs: 1_000, callerKeepsPerSecond: 0 });
      const { app, failures } = appWith({ xray, keep: { policy } });
      const res = await supertest(app.callback()).get('/api/activities/home').expect(200);
      expect(res.headers.traceresponse).to.match(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(failures).to.deep.equal(['x-ray segment']);
    });

    it('when a head-sampled segment is closed: no uncaught exception, the failure reported', async () => {
      const segment = { addIncomingRequestData: () => undefined, addAnnotation: () => undefined };
      const xray = { sample: () => true, openSegment: () => segment, closeSegment: broken } as unknown as XRayRecorder;
      const { app, failures } = appWith({ xray });
      await supertest(app.callback()).get('/api/activities/home').expect(200);
      expect(failures).to.deep.equal(['x-ray segment']);
    });
  });
});
