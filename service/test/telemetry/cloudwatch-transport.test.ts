import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { expect } from 'chai';
import { once } from 'node:events';
import { createServer } from 'node:net';
import winston from 'winston';
import {
  CloudWatchTransport,
  createCloudWatchTransport,
  type CloudWatchTransportOptions,
} from '../../src/telemetry/cloudwatch-transport.js';
import { CloudWatchLogs, PUT_LOG_EVENTS_LIMITS } from '../support/stand-ins/index.js';

const GROUP = 'cruddur-backend';
const STREAM = 'backend-7d9f-abcde/1';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

interface Diagnostic {
  message: string;
  fields: Record<string, unknown>;
}

/** A port nothing listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

function batchBytes(logEvents: unknown): number {
  return (logEvents as { message: string }[]).reduce(
    (sum, e) => sum + Buffer.byteLength(e.message, 'utf8') + PUT_LOG_EVENTS_LIMITS.eventOverheadBytes,
    0,
  );
}

describe('CloudWatchTransport', function () {
  const logs = new CloudWatchLogs();
  let client: CloudWatchLogsClient;
  const opened: CloudWatchTransport[] = [];
  let diagnostics: Diagnostic[] = [];

  before(async () => {
    await logs.start();
    client = new CloudWatchLogsClient({ region: 'us-east-1', endpoint: logs.url, credentials: CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    client.destroy();
    await logs.stop();
  });
  afterEach(() => {
    for (const transport of opened.splice(0)) transport.close();
    logs.reset();
    diagnostics = [];
  });

  /** A transport on the stand-in whose timer never fires during a test unless asked to. */
  function open(options: Partial<CloudWatchTransportOptions> = {}): CloudWatchTransport {
    const transport = new CloudWatchTransport({
      logGroupName: GROUP,
      logStreamName: STREAM,
      client,
      flushIntervalMs: 60_000,
      backoffBaseMs: 5,
      backoffCapMs: 50,
      onDiagnostic: (message, fields) => diagnostics.push({ message, fields }),
      ...options,
    });
    opened.push(transport);
    return transport;
  }

  function logMany(transport: CloudWatchTransport, count: number, message = (i: number) => `event ${i}`): void {
    for (let i = 0; i < count; i += 1) {
      transport.log({ level: 'info', message: message(i) }, () => undefined);
    }
  }

  function stored(): string[] {
    return logs.messages(GROUP, STREAM);
  }

  describe('delivery', function () {
    it('delivers events to its group and stream in the order they were logged', async function () {
      const transport = open();
      logMany(transport, 5);

      await transport.flush(5000);

      expect(stored().map((m) => (JSON.parse(m) as { message: string }).message)).to.deep.equal([
        'event 0',
        'event 1',
        'event 2',
        'event 3',
        'event 4',
      ]);
      const timestamps = logs.events(GROUP, STREAM).map((e) => e.timestamp);
      expect(timestamps).to.deep.equal([...timestamps].sort((a, b) => a - b));
    });

    it("tells 'logged' listeners of each entry, after log() returned", async function () {
      const transport = open();
      const notified: unknown[] = [];
      transport.on('logged', (info) => notified.push(info));
      const info = { level: 'info', message: 'activity created' };

      transport.log(info, () => undefined);
      expect(notified).to.deep.equal([]);
      await new Promise((resolve) => setImmediate(resolve));

      expect(notified).to.deep.equal([info]);
    });

    it('ships the line a winston format produced', async function () {
      const transport = open();
      const json = winston.format.json();
      const info = json.transform({ level: 'info', message: 'activity created', user: 'andrewbrown' }, json.options);

      transport.log(info, () => undefined);
      await transport.flush(5000);

      expect(stored()).to.deep.equal(['{"level":"info","message":"activity created","user":"andrewbrown"}']);
    });

    it('serializes an entry without a formatted line as JSON, errors and bigints included', async function () {
      const transport = open();

      transport.log({ level: 'error', message: 'failed', error: new RangeError('too far'), count: 12n }, () => undefined);
      await transport.flush(5000);

      expect(JSON.parse(stored()[0] ?? '')).to.deep.include({
        level: 'error',
        message: 'failed',
        count: '12',
        error: { name: 'RangeError', message: 'too far', stack: (JSON.parse(stored()[0] ?? '') as { error: { stack: string } }).error.stack },
      });
    });

    it('sends on its timer without being flushed', async function () {
      const transport = open({ flushIntervalMs: 50 });
      logMany(transport, 3);

      const events = await logs.waitForEvents(GROUP, STREAM, 3, 2000);

      expect(events).to.have.lengthOf(3);
    });

    it('delivers everything buffered when flushed at shutdown', async function () {
      const transport = open();
      logMany(transport, 500);
      expect(logs.calls).to.be.empty;

      await transport.flush(5000);
      transport.close();

      expect(stored()).to.have.lengthOf(500);
      expect(transport.stats).to.deep.equal({ sent: 500, dropped: 0, failedBatches: 0, retries: 0, droppedForCredentials: 0 });
    });
  });

  describe('log group and stream', function () {
    it('creates the log group and stream on first use', async function () {
      const transport = open();
      logMany(transport, 1);

      await transport.flush(5000);

      expect(logs.logGroupNames()).to.deep.equal([GROUP]);
      expect(logs.logStreamNames(GROUP)).to.deep.equal([STREAM]);
      expect(logs.calls.map((c) => c.operation)).to.deep.equal(['CreateLogGroup', 'CreateLogStream', 'PutLogEvents']);
    });

    it('goes on when the log group already exists', async function () {
      await client.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
      const transport = open();
      logMany(transport, 2);

      await transport.flush(5000);

      expect(logs.callsOf('CreateLogGroup').at(-1)?.errorType).to.equal('ResourceAlreadyExistsException');
      expect(stored()).to.have.lengthOf(2);
    });

    it('goes on to the stream when CreateLogGroup is denied', async function () {
      await client.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
      logs.failNext(1, { kind: 'error', status: 400, type: 'AccessDeniedException', message: 'not authorized' }, 'CreateLogGroup');
      const transport = open();
      logMany(transport, 2);

      await transport.flush(5000);

      expect(stored()).to.have.lengthOf(2);
      expect(transport.stats.failedBatches).to.equal(0);
    });

    it('recreates the stream and resends when it has disappeared', async function () {
      const transport = open();
      logMany(transport, 1);
      await transport.flush(5000);
      logs.failNext(1, { kind: 'error', status: 400, type: 'ResourceNotFoundException', message: 'The specified log stream does not exist.' }, 'PutLogEvents');

      logMany(transport, 1, () => 'after');
      await transport.flush(5000);

      expect(logs.callsOf('CreateLogStream')).to.have.lengthOf(2);
      expect(stored()).to.have.lengthOf(2);
    });
  });

  describe('batching', function () {
    it('splits 25,000 small events into calls of at most 10,000', async function () {
      const transport = open({ maxBufferedEvents: 30_000 });
      logMany(transport, 25_000);

      await transport.flush(15_000);

      const sizes = logs.callsOf('PutLogEvents').map((c) => (c.input.logEvents as unknown[]).length);
      expect(sizes).to.have.length.of.at.least(3);
      expect(Math.max(...sizes)).to.be.at.most(PUT_LOG_EVENTS_LIMITS.maxEvents);
      expect(stored()).to.have.lengthOf(25_000);
    });

    it('splits large events into calls of at most 1,048,576 bytes counting 26 per event', async function () {
      const transport = open();
      logMany(transport, 40, (i) => `${i} ${'x'.repeat(100_000)}`);

      await transport.flush(15_000);

      const bytes = logs.callsOf('PutLogEvents').map((c) => batchBytes(c.input.logEvents));
      expect(bytes).to.have.length.of.at.least(4);
      expect(Math.max(...bytes)).to.be.at.most(PUT_LOG_EVENTS_LIMITS.maxBatchBytes);
      expect(stored()).to.have.lengthOf(40);
    });

    it('keeps each call within 24 hours, and counts events CloudWatch rejects as too old as dropped', async function () {
      const transport = open();
      const now = Date.now;
      Date.now = () => now() - 15 * 24 * 60 * 60 * 1000;
      try {
        logMany(transport, 2, () => 'from a clock 15 days behind');
      } finally {
        Date.now = now;
      }
      logMany(transport, 1, () => 'on time');

      await transport.flush(5000);

      expect(logs.callsOf('PutLogEvents')).to.have.lengthOf(2);
      expect(stored().map((m) => (JSON.parse(m) as { message: string }).message)).to.deep.equal(['on time']);
      expect(transport.stats).to.deep.include({ sent: 1, dropped: 2 });
    });

    it('truncates an oversized message with a marker to fit 256 KB', async function () {
      const transport = open();
      transport.log({ level: 'info', message: 'y'.repeat(300_000) }, () => undefined);

      await transport.flush(5000);

      const [message = ''] = stored();
      expect(Buffer.byteLength(message) + PUT_LOG_EVENTS_LIMITS.eventOverheadBytes).to.be.at.most(262_144);
      expect(message).to.match(/^\{"level":"info","message":"yyyy/);
      expect(message).to.match(/\.\.\.\[truncated \d+ bytes to 262118\]$/);
    });

    it('truncates without splitting a multi-byte character', async function () {
      const transport = open({ maxEventBytes: 1026 });
      transport.log({ level: 'info', message: '€'.repeat(1000) }, () => undefined);

      await transport.flush(5000);

      expect(stored()[0]).to.not.include('\uFFFD');
    });
  });

  describe('failures', function () {
    it('retries a burst of throttling and loses nothing', async function () {
      logs.failNext(5, { kind: 'throttle' }, 'PutLogEvents');
      const transport = open();
      logMany(transport, 100);

      await transport.flush(5000);

      expect(stored()).to.have.lengthOf(100);
      expect(transport.stats).to.deep.include({ sent: 100, dropped: 0, retries: 5 });
    });

    it('retries server errors for a while and delivers everything', async function () {
      logs.failNext(3, { kind: 'server-error', status: 503 });
      logs.failNext(3, { kind: 'server-error', status: 500 });
      const transport = open();
      logMany(transport, 100);

      await transport.flush(5000);

      expect(stored()).to.have.lengthOf(100);
      expect(transport.stats).to.deep.include({ sent: 100, dropped: 0, retries: 6 });
    });

    it('drops a batch still failing after maxRetries and counts it', async function () {
      logs.failNext(100, { kind: 'server-error', status: 503 }, 'PutLogEvents');
      const transport = open({ maxRetries: 2 });
      logMany(transport, 10);

      await transport.flush(5000);

      expect(transport.stats).to.deep.equal({ sent: 0, dropped: 10, failedBatches: 1, retries: 2, droppedForCredentials: 0 });
      expect(diagnostics.map((d) => d.message)).to.include('batch still failing after retries, dropped');
    });

    it('drops a permanently invalid batch without retrying it, and goes on', async function () {
      logs.failNext(1, { kind: 'error', status: 400, type: 'InvalidParameterException', message: 'bad batch' }, 'PutLogEvents');
      const transport = open();
      logMany(transport, 3);
      await transport.flush(5000);

      logMany(transport, 1, () => 'next');
      await transport.flush(5000);

      expect(transport.stats).to.deep.equal({ sent: 1, dropped: 3, failedBatches: 1, retries: 0, droppedForCredentials: 0 });
      expect(diagnostics[0]?.fields).to.deep.include({ events: 3, error: { name: 'InvalidParameterException', message: 'bad batch', status: 400 } });
    });

    describe('with the endpoint down', function () {
      let unreachable: CloudWatchLogsClient;
      beforeEach(async () => {
        unreachable = new CloudWatchLogsClient({
          region: 'us-east-1',
          endpoint: `http://127.0.0.1:${await closedPort()}`,
          credentials: CREDENTIALS,
          maxAttempts: 1,
        });
      });
      afterEach(() => {
        unreachable.destroy();
      });

      it('never throws from log() and keeps its buffer bounded, counting what it drops', function () {
        const transport = open({ client: unreachable, maxBufferedEvents: 20 });

        expect(() => {
          logMany(transport, 100);
        }).to.not.throw();

        expect(transport.buffered).to.be.at.most(20);
        // At most one buffer plus one batch in flight survive.
        expect(transport.stats.dropped).to.be.at.least(100 - 2 * 20);
      });

      it('keeps the bytes it buffers within maxBufferedBytes, dropping the oldest events and counting them', function () {
        const transport = open({ client: unreachable, maxBufferedBytes: 300_000 });

        logMany(transport, 40, (i) => `${i} ${'x'.repeat(20_000)}`);

        expect(transport.bufferedBytes).to.be.at.most(300_000);
        expect(transport.stats.dropped).to.be.greaterThan(0);
      });

      it('bounds the bytes it buffers to 8 MiB unless told otherwise', function () {
        const transport = open({ client: unreachable });

        logMany(transport, 60, (i) => `${i} ${'x'.repeat(200_000)}`);

        expect(transport.bufferedBytes).to.be.at.most(8 * 1024 * 1024);
        expect(transport.stats.dropped).to.be.greaterThan(0);
      });

      it('reports what the byte bound evicted as one diagnostic, as for the count bound', async function () {
        const transport = open({ client: unreachable, maxBufferedBytes: 300_000, backoffBaseMs: 1000 });
        logMany(transport, 40, (i) => `${i} ${'x'.repeat(20_000)}`);

        await transport.flush(100);

        const evictions = diagnostics.filter((d) => d.message === 'buffer full, dropped oldest events');
        expect(evictions).to.have.lengthOf(1);
        expect(evictions[0]?.fields).to.deep.include({ dropped: transport.stats.dropped, maxBufferedBytes: 300_000 });
      });

      it('reports the evictions as one diagnostic', async function () {
        const transport = open({ client: unreachable, maxBufferedEvents: 20, backoffBaseMs: 1000 });
        logMany(transport, 100);

        await transport.flush(100);

        const evictions = diagnostics.filter((d) => d.message === 'buffer full, dropped oldest events');
        expect(evictions).to.have.lengthOf(1);
        expect(evictions[0]?.fields.dropped).to.equal(transport.stats.dropped);
      });

      it('resolves flush() by its deadline and reports what is unsent', async function () {
        const transport = open({ client: unreachable, backoffBaseMs: 1000, backoffCapMs: 5000 });
        logMany(transport, 10);

        const started = Date.now();
        await transport.flush(300);

        // Not before its deadline; at it, not once the retries had ended (the batch would be dropped, none unsent).
        expect(Date.now() - started).to.be.at.least(250);
        expect(diagnostics.find((d) => d.message === 'flush deadline passed with events unsent')?.fields).to.deep.include({ unsent: 10, timeoutMs: 300 });
      });
    });

    it('resolves flush() by its deadline when the endpoint hangs', async function () {
      logs.failNext(1000, { kind: 'hang' });
      // A request timeout longer than the test may take: only the deadline can resolve flush().
      const transport = open({ requestTimeoutMs: 600_000 });
      logMany(transport, 10);

      const started = Date.now();
      await transport.flush(300);

      expect(Date.now() - started).to.be.at.least(250);
      expect(transport.stats).to.deep.include({ sent: 0, retries: 0 });
      expect(diagnostics.find((d) => d.message === 'flush deadline passed with events unsent')?.fields).to.deep.include({ unsent: 10, timeoutMs: 300 });
    });

    it('times out a hanging request and retries it', async function () {
      logs.failNext(1, { kind: 'hang' }, 'PutLogEvents');
      const transport = open({ requestTimeoutMs: 100 });
      logMany(transport, 10);

      await transport.flush(5000);

      expect(stored()).to.have.lengthOf(10);
      expect(transport.stats.retries).to.equal(1);
    });
  });

  describe('credentials', function () {
    /** What the SDK's default chain throws when it finds no credentials (@smithy's CredentialsProviderError). */
    function noCredentials(): Error {
      const error = new Error('Could not load credentials from any providers');
      error.name = 'CredentialsProviderError';
      return error;
    }

    /** A client on the stand-in whose credential provider fails until `provide()` is called. */
    function clientWithoutCredentials(): { client: CloudWatchLogsClient; provide: () => void } {
      let available = false;
      const client = new CloudWatchLogsClient({
        region: 'us-east-1',
        endpoint: logs.url,
        maxAttempts: 1,
        credentials: () => (available ? Promise.resolve(CREDENTIALS) : Promise.reject(noCredentials())),
      });
      return { client, provide: () => (available = true) };
    }

    const UNRECOGNIZED = { kind: 'error', status: 400, type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' } as const;

    it('does not retry a batch when no credentials can be found, and counts it as dropped', async function () {
      const { client: keyless } = clientWithoutCredentials();
      const transport = open({ client: keyless });
      logMany(transport, 3);

      await transport.flush(5000);
      keyless.destroy();

      expect(transport.stats).to.deep.include({ sent: 0, dropped: 3, retries: 0, droppedForCredentials: 3 });
    });

    it('says once, at error level, that the credentials are missing and what to set', async function () {
      const { client: keyless } = clientWithoutCredentials();
      const transport = open({ client: keyless, credentialsRetryMs: 0 });
      for (let i = 0; i < 3; i += 1) {
        logMany(transport, 2);
        await transport.flush(5000);
      }
      keyless.destroy();

      const errors = diagnostics.filter((d) => d.fields.level === 'error');
      expect(errors).to.have.lengthOf(1);
      expect(errors[0]?.message).to.match(/credentials missing or refused/);
      expect(errors[0]?.fields.fix).to.include('AWS_ACCESS_KEY_ID').and.include('serviceAccount.roleArn').and.include('CLOUDWATCH_LOG_GROUP');
      expect(errors[0]?.fields.error).to.deep.include({ name: 'CredentialsProviderError' });
    });

    it('makes no request for credentialsRetryMs once AWS refuses the credentials, dropping what is logged meanwhile', async function () {
      logs.failNext(1, UNRECOGNIZED);
      const transport = open();
      logMany(transport, 2);
      await transport.flush(5000);

      logMany(transport, 5);
      await transport.flush(5000);

      expect(logs.calls).to.have.lengthOf(1);
      expect(transport.stats).to.deep.include({ sent: 0, dropped: 7, droppedForCredentials: 7, retries: 0 });
    });

    it('tries again after credentialsRetryMs and ships once the credentials work, saying so', async function () {
      const { client: keyless, provide } = clientWithoutCredentials();
      const transport = open({ client: keyless, credentialsRetryMs: 0 });
      logMany(transport, 1, () => 'before');
      await transport.flush(5000);

      provide();
      logMany(transport, 1, () => 'after');
      await transport.flush(5000);
      keyless.destroy();

      expect(stored().map((m) => (JSON.parse(m) as { message: string }).message)).to.deep.equal(['after']);
      expect(diagnostics.map((d) => d.message)).to.include('AWS credentials accepted again: shipping logs to CloudWatch Logs');
    });
  });

  describe('close()', function () {
    it('drops and reports what was never flushed', function () {
      const transport = open();
      logMany(transport, 3);

      transport.close();

      expect(transport.stats.dropped).to.equal(3);
      expect(diagnostics.map((d) => d.message)).to.deep.equal(['closed with events unsent (flush before close)']);
    });
  });

  describe('diagnostics', function () {
    it('go to stderr as one JSON line when no handler is given', function () {
      const transport = new CloudWatchTransport({ logGroupName: GROUP, logStreamName: STREAM, client });
      const written: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = (chunk: string | Uint8Array): boolean => written.push(String(chunk)) > 0;
      try {
        logMany(transport, 1);
        transport.close();
      } finally {
        process.stderr.write = write;
      }

      expect(written).to.have.lengthOf(1);
      expect(JSON.parse(written[0] ?? '')).to.include({ level: 'warn', logger: 'cloudwatch-transport', unsent: 1 });
    });
  });

  describe('createCloudWatchTransport()', function () {
    it('builds a client from region, endpoint and the default credential chain', async function () {
      const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
      // Keys in the environment, as the kind deployment provides them from a Secret.
      process.env.AWS_ACCESS_KEY_ID = 'from-env';
      process.env.AWS_SECRET_ACCESS_KEY = 'from-env-secret';
      try {
        const transport = createCloudWatchTransport({ logGroupName: GROUP, logStreamName: STREAM, region: 'eu-west-2', endpoint: logs.url });
        opened.push(transport);
        logMany(transport, 1);

        await transport.flush(5000);

        expect(stored()).to.have.lengthOf(1);
        expect(logs.calls[0]?.signedWith).to.deep.include({ accessKeyId: 'from-env', region: 'eu-west-2' });
      } finally {
        restoreEnv('AWS_ACCESS_KEY_ID', saved.id);
        restoreEnv('AWS_SECRET_ACCESS_KEY', saved.secret);
      }
    });
  });
});

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) Reflect.deleteProperty(process.env, name);
  else process.env[name] = value;
}
