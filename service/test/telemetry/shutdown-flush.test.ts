import { expect } from 'chai';
import { OtlpSpanKind } from '../support/stand-ins';
import { LOG_GROUP, LOG_STREAM, TelemetryStack } from '../support/telemetry-stack';

describe('telemetry on SIGTERM', function () {
  this.timeout(40_000);

  it('delivers every buffered span, log event and Rollbar item of completed requests before exiting 0', async () => {
    // Spans wait for a 60 s batch and log events for a 60 s flush: only the shutdown flush can deliver them.
    const stack = await new TelemetryStack().start({ OTEL_BSP_SCHEDULE_DELAY: '60000', CLOUDWATCH_FLUSH_INTERVAL_MS: '60000' });
    try {
      const requestIds: string[] = [];
      for (let i = 0; i < 20; i++) {
        const id = `flush-${i}`;
        requestIds.push(id);
        const res = await fetch(stack.url(i === 0 ? '/debug/error' : '/api/activities/home'), { headers: { 'x-request-id': id } });
        expect(res.status).to.equal(i === 0 ? 500 : 200);
      }
      expect(stack.otlp.spans()).to.have.length(0);
      expect(stack.cloudwatch.callsOf('PutLogEvents')).to.have.length(0);

      stack.service.child.kill('SIGTERM');
      expect(await stack.service.exited).to.equal(0);

      const servers = stack.otlp.spans().filter((span) => span.kind === OtlpSpanKind.SERVER);
      expect(servers).to.have.length(20);
      const shipped = stack.cloudwatch.messages(LOG_GROUP, LOG_STREAM).map((line) => JSON.parse(line) as Record<string, unknown>);
      const completed = shipped.filter((line) => line.message === 'request completed').map((line) => line.request_id);
      expect(completed).to.have.members(requestIds);
      expect(stack.rollbar.items.some((item) => JSON.stringify(item.data).includes('flush-0'))).to.equal(true);
      const hooks = stack.stdoutLines().filter((line) => line.message === 'shutdown hook finished');
      expect(hooks.map((line) => [line.hook, line.outcome])).to.deep.equal([
        ['rollbar', 'done'],
        ['cloudwatch', 'done'],
        ['opentelemetry', 'done'],
      ]);
    } finally {
      await stack.stop();
    }
  });
});
