import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { jsonLines, startService } from '../support/process';
import { SAMPLE_EVERYTHING, TelemetryStack } from '../support/telemetry-stack';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Accepts connections and never answers: the worst kind of backend. */
async function blackHole(): Promise<{ port: number; server: Server }> {
  const server = createServer(() => undefined).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

async function callEveryRoute(base: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let round = 0; round < 10; round++) {
    for (const path of ['/api/activities/home', '/api/activities/@worf', '/rollbar/test', '/debug/error']) {
      statuses.push((await fetch(`${base}${path}`, { signal: AbortSignal.timeout(2_000) })).status);
    }
  }
  return statuses;
}

describe('telemetry backends that are down', function () {
  this.timeout(60_000);

  it('keeps answering, and shuts down in time, when nothing listens anywhere', async () => {
    const [otlp, rollbar, cloudwatch, xray] = await Promise.all([closedPort(), closedPort(), closedPort(), closedPort()]);
    const service = await startService({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlp}`,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${xray}`,
      XRAY_SAMPLING_RULES: SAMPLE_EVERYTHING,
      ROLLBAR_ACCESS_TOKEN: 'token',
      ROLLBAR_ENDPOINT: `http://127.0.0.1:${rollbar}/api/1/item/`,
      CLOUDWATCH_LOG_GROUP: 'cruddur',
      CLOUDWATCH_ENDPOINT: `http://127.0.0.1:${cloudwatch}`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'test',
      DEBUG_ROUTES: 'true',
      SHUTDOWN_TIMEOUT_MS: '12000',
    });
    const statuses = await callEveryRoute(`http://127.0.0.1:${service.port}`);
    expect(statuses.filter((status) => status === 500)).to.have.length(10); // only /debug/error, by design
    expect(statuses.filter((status) => status === 200)).to.have.length(30);
    // The exporter gives up on a refused batch after its retries: wait for the first such count before stopping.
    const dropLine = () => jsonLines(service.stdout()).some((line) => /^opentelemetry: \d+ spans dropped/.test(String(line.message)));
    for (const deadline = Date.now() + 30_000; !dropLine() && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    service.child.kill('SIGTERM');
    expect(await service.exited).to.equal(0);
    expect(Date.now() - started).to.be.below(12_000);
    expect(service.stderr()).not.to.match(/Unhandled|TypeError|\n\s+at /);
    // Lost spans are counted, once per failed export, on lines of their own that no request's ids mislabel.
    const drops = jsonLines(service.stdout()).filter((line) => /^opentelemetry: \d+ spans dropped/.test(String(line.message)));
    expect(drops).to.not.deep.equal([]);
    for (const line of drops) expect(line).to.include({ level: 'warn', component: 'opentelemetry' }).and.not.have.property('trace_id');
    expect(String(drops[0]?.message)).to.match(/ECONNREFUSED/);
    // Nothing was ever exported: every span is counted as dropped, or as not delivered when shutdown could not wait.
    // Per round: home and the user feed have a server and a custom span, /rollbar/test and /debug/error a server span.
    const dropped = Number(/\((\d+) since start\)/.exec(String(drops.at(-1)?.message))?.[1] ?? 0);
    const unsent = jsonLines(service.stdout()).find((line) => /spans not delivered before shutdown/.test(String(line.message)));
    const notDelivered = Number(/(\d+) spans not delivered/.exec(String(unsent?.message))?.[1] ?? 0);
    expect(dropped + notDelivered).to.equal(10 * (2 + 2 + 1 + 1));
  });

  it('keeps answering, and shuts down within its deadline, when every backend hangs', async () => {
    const hole = await blackHole();
    const stack = new TelemetryStack();
    try {
      await Promise.all([stack.otlp.start(), stack.xray.start(), stack.rollbar.start(), stack.cloudwatch.start()]);
      stack.service = await startService({
        ...stack.env(),
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${hole.port}`,
        ROLLBAR_ENDPOINT: `http://127.0.0.1:${hole.port}/api/1/item/`,
        CLOUDWATCH_ENDPOINT: `http://127.0.0.1:${hole.port}`,
        SHUTDOWN_TIMEOUT_MS: '12000',
      });
      const statuses = await callEveryRoute(stack.url(''));
      expect(statuses.filter((status) => status === 200)).to.have.length(30);
      const started = Date.now();
      stack.service.child.kill('SIGTERM');
      expect(await stack.service.exited).to.equal(0);
      expect(Date.now() - started).to.be.below(12_000);
      const hooks = stack.stdoutLines().filter((line) => line.message === 'shutdown hook finished');
      expect(hooks.map((line) => line.hook)).to.deep.equal(['rollbar', 'opentelemetry', 'cloudwatch']);
      expect(hooks.map((line) => line.outcome)).to.include('timed out');
    } finally {
      await stack.stop();
      hole.server.close();
    }
  });
});
