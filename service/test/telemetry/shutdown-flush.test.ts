import { expect } from 'chai';
import { type AddressInfo, createServer } from 'node:net';
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
        ['opentelemetry', 'done'],
        ['cloudwatch', 'done'],
      ]);
    } finally {
      await stack.stop();
    }
  });

  it('ships the shutdown\'s own lines to CloudWatch, the spans it could not deliver among them', async () => {
    // A collector that accepts the connection and never answers: the spans of the request cannot be delivered.
    const hole = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
    const port = (hole.address() as AddressInfo).port;
    const stack = await new TelemetryStack().start({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, CLOUDWATCH_FLUSH_INTERVAL_MS: '60000' });
    try {
      expect((await fetch(stack.url('/api/activities/home'))).status).to.equal(200);
      stack.service.child.kill('SIGTERM');
      expect(await stack.service.exited).to.equal(0);
      const shipped = stack.cloudwatch.messages(LOG_GROUP, LOG_STREAM).map((line) => JSON.parse(line) as Record<string, unknown>);
      const messages = shipped.map((line) => String(line.message));
      expect(messages).to.include.members(['shutting down', 'http server closed']);
      expect(messages.some((message) => /^opentelemetry: \d+ spans not delivered before shutdown$/.test(message)), messages.join('\n')).to.equal(true);
      expect(shipped.filter((line) => line.message === 'shutdown hook finished').map((line) => line.hook)).to.deep.equal(['rollbar', 'opentelemetry']);
    } finally {
      await stack.stop();
      hole.close();
    }
  });
});
