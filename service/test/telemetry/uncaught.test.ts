import { expect } from 'chai';
import { TelemetryStack } from '../support/telemetry-stack';

describe('an uncaught exception', function () {
  this.timeout(30_000);

  it('is logged and reported to Rollbar as critical, then the process exits 1', async () => {
    const stack = await new TelemetryStack().start();
    try {
      const res = await fetch(stack.url('/debug/crash'), { method: 'POST' });
      expect(res.status).to.equal(202);
      expect(await stack.service.exited).to.equal(1);
      const item = stack.rollbar.items.find((i) => JSON.stringify(i.data.body).includes('Deliberate uncaught exception'));
      expect(item?.data).to.include({ level: 'critical' });
      const logged = stack.stdoutLines().find((line) => line.message === 'uncaught exception');
      expect(JSON.stringify(logged)).to.include('Deliberate uncaught exception');
      // source maps: the stack names the TypeScript line, not the compiled one
      expect((logged?.err as { stack?: string } | undefined)?.stack).to.match(/service\/src\/api\/debug\.ts:15:\d+/);
    } finally {
      await stack.stop();
    }
  });

  it("sends the crashing request's trace before the process exits, the batch processor's delay notwithstanding", async () => {
    const stack = await new TelemetryStack().start({ OTEL_BSP_SCHEDULE_DELAY: '600000' });
    try {
      const res = await fetch(stack.url('/debug/crash'), { method: 'POST' });
      const traceId = (res.headers.get('traceresponse') ?? '').split('-')[1];
      expect(await stack.service.exited).to.equal(1);
      expect(stack.otlp.spans().filter((span) => span.traceId === traceId).map((span) => span.name)).to.deep.equal(['POST /debug/crash']);
    } finally {
      await stack.stop();
    }
  });
});
