import { expect } from 'chai';
import { buildApp } from '../support/app';

/** The test app runs without the OpenTelemetry SDK, as the service does with OTEL_SDK_DISABLED=true. */
describe('trace headers without OpenTelemetry', () => {
  it('answers traceresponse naming the trace of x-amzn-trace-id', async () => {
    const res = await buildApp().request().get('/api/activities/home').expect(200);
    const [, traceId = ''] = /^00-([0-9a-f]{32})-[0-9a-f]{16}-00$/.exec(String(res.headers.traceresponse)) ?? [];
    expect(res.headers['x-amzn-trace-id']).to.equal(`Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Sampled=0`);
  });

  it("answers traceresponse with the caller's X-Ray trace id and sampling decision", async () => {
    const res = await buildApp()
      .request()
      .get('/api/message_groups')
      .set('x-amzn-trace-id', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1')
      .expect(200);
    expect(res.headers.traceresponse).to.match(/^00-5759e988bd862e3fe1be46a994272793-[0-9a-f]{16}-01$/);
  });
});
