import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  InvalidParameterException,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  type CloudWatchLogsServiceException,
} from '@aws-sdk/client-cloudwatch-logs';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import AWSXRay from 'aws-xray-sdk-core';
import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import Rollbar from 'rollbar';
import {
  CloudWatchLogs,
  OtlpReceiver,
  OtlpSpanKind,
  OtlpStatusCode,
  RollbarApi,
  XRayDaemon,
} from './stand-ins/index.js';
import { standInHost } from './stand-ins/http-server.js';

describe('stand-ins', function () {
  describe('bind address', function () {
    it('is loopback or the local cluster\'s bridge, never an address reachable from outside the machine', async function () {
      expect(standInHost('127.0.0.1')).to.equal('127.0.0.1');
      expect(standInHost('10.245.0.1')).to.equal('10.245.0.1');
      for (const host of ['0.0.0.0', '::', '192.0.2.2', '10.2450.0.1', 'localhost']) {
        expect(() => standInHost(host), host).to.throw(/binds only/);
        await new RollbarApi().start(host).then(
          () => expect.fail(`started on ${host}`),
          (error: unknown) => expect(String(error)).to.match(/binds only/),
        );
      }
    });
  });

  describe('OTLP receiver', function () {
    const receiver = new OtlpReceiver();
    before(async () => receiver.start());
    after(async () => receiver.stop());
    afterEach(() => {
      receiver.reset();
    });

    /** Ends spans through a real provider and BatchSpanProcessor exporting to the receiver. */
    async function exportThroughSdk(exporter: OTLPTraceExporter, record: (provider: TracerProvider) => void): Promise<void> {
      const provider = new TracerProvider({
        resource: resourceFromAttributes({ 'service.name': 'cruddur-backend', 'deployment.environment': 'test' }),
        spanProcessors: [new BatchSpanProcessor({ exporter })],
      });
      record(provider);
      await provider.shutdown();
    }

    /** Finished spans, for calling an exporter directly and seeing its result. */
    async function finishedSpans(): Promise<ReadableSpan[]> {
      const memory = new InMemorySpanExporter();
      const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
      provider.getTracer('test').startSpan('lonely').end();
      await provider.forceFlush();
      return memory.getFinishedSpans();
    }

    function exportDirectly(exporter: OTLPTraceExporter, spans: ReadableSpan[]): Promise<ExportResult> {
      return new Promise((resolve) => {
        exporter.export(spans, resolve);
      });
    }

    it('decodes the protobuf spans the OTLP proto exporter sends, with ids, parentage, kind, status, events and resource', async function () {
      let ids = { traceId: '', parentId: '', childId: '' };
      await exportThroughSdk(new OTLPTraceExporter({ url: receiver.tracesUrl }), (provider) => {
        const tracer = provider.getTracer('stand-in-test', '1.2.3');
        const parent = tracer.startSpan('GET /api/activities/home', { kind: SpanKind.SERVER });
        const parentContext = parent.spanContext();
        const child = tracer.startSpan(
          'load activities',
          { attributes: { 'db.rows': 3, ratio: 0.5, cached: false, tags: ['a', 'b'] } },
          trace.setSpan(ROOT_CONTEXT, parent),
        );
        child.addEvent('cache miss', { key: 'home' });
        child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
        child.end();
        parent.end();
        ids = { traceId: parentContext.traceId, parentId: parentContext.spanId, childId: child.spanContext().spanId };
      });

      const [child] = await receiver.waitForSpans((s) => s.name === 'load activities');
      expect(child).to.deep.include({
        traceId: ids.traceId,
        spanId: ids.childId,
        parentSpanId: ids.parentId,
        kind: OtlpSpanKind.INTERNAL,
        status: { code: OtlpStatusCode.ERROR, message: 'boom' },
        attributes: { 'db.rows': 3, ratio: 0.5, cached: false, tags: ['a', 'b'] },
        scope: { name: 'stand-in-test', version: '1.2.3' },
      });
      expect(child?.events.map((e) => [e.name, e.attributes])).to.deep.equal([['cache miss', { key: 'home' }]]);
      expect(child?.resource).to.include({ 'service.name': 'cruddur-backend', 'deployment.environment': 'test' });
      const [parent] = await receiver.waitForSpans((s) => s.spanId === ids.parentId);
      expect(parent).to.deep.include({ parentSpanId: undefined, kind: OtlpSpanKind.SERVER });
      expect(Number(parent?.startTimeUnixNano)).to.be.above(0);
    });

    it('records that the exporter posts application/x-protobuf to /v1/traces with its headers', async function () {
      const exporter = new OTLPTraceExporter({ url: receiver.tracesUrl, headers: { 'x-honeycomb-team': 'secret' } });
      await exportThroughSdk(exporter, (provider) => {
        provider.getTracer('test').startSpan('with headers').end();
      });

      await receiver.waitForSpans((s) => s.name === 'with headers');
      expect(receiver.requests[0]).to.deep.include({ method: 'POST', path: '/v1/traces', status: 200 });
      expect(receiver.requests[0]?.headers).to.include({
        'content-type': 'application/x-protobuf',
        'x-honeycomb-team': 'secret',
      });
    });

    it('refuses an export without the required header with 401, as Honeycomb refuses an unknown key', async function () {
      const honeycomb = new OtlpReceiver({ requiredHeaders: { 'X-Honeycomb-Team': 'team-key' } });
      await honeycomb.start();
      try {
        const spans = await finishedSpans();
        const wrong = await exportDirectly(new OTLPTraceExporter({ url: honeycomb.tracesUrl, headers: { 'x-honeycomb-team': 'other' } }), spans);
        const right = await exportDirectly(new OTLPTraceExporter({ url: honeycomb.tracesUrl, headers: { 'x-honeycomb-team': 'team-key' } }), spans);
        expect([wrong.code, right.code]).to.deep.equal([ExportResultCode.FAILED, ExportResultCode.SUCCESS]);
        expect(honeycomb.requests.map((r) => r.status)).to.deep.equal([401, 200]);
        expect(honeycomb.spans().map((s) => s.name)).to.deep.equal(['lonely']);
      } finally {
        await honeycomb.stop();
      }
    });

    it('decodes gzip-compressed exports', async function () {
      // Configured the way deployments do it (the option's enum is in a package we do not depend on).
      process.env.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION = 'gzip';
      const exporter = new OTLPTraceExporter({ url: receiver.tracesUrl });
      delete process.env.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION;

      await exportThroughSdk(exporter, (provider) => {
        provider.getTracer('test').startSpan('compressed').end();
      });

      await receiver.waitForSpans((s) => s.name === 'compressed');
      expect(receiver.requests[0]?.headers['content-encoding']).to.equal('gzip');
    });

    it('decodes OTLP/JSON with hex ids and string nanoseconds', async function () {
      const body = {
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-client' } }] },
            scopeSpans: [
              {
                scope: { name: 'manual' },
                spans: [
                  {
                    traceId: '5B8EFFF798038103D269B633813FC60C',
                    spanId: 'EEE19B7EC3C1B174',
                    name: 'json span',
                    kind: 3,
                    startTimeUnixNano: '1544712660000000000',
                    endTimeUnixNano: '1544712661000000000',
                    attributes: [{ key: 'http.status_code', value: { intValue: '200' } }],
                  },
                ],
              },
            ],
          },
        ],
      };
      const response = await fetch(receiver.tracesUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

      expect(response.status).to.equal(200);
      expect(receiver.spans()).to.deep.equal([
        {
          traceId: '5b8efff798038103d269b633813fc60c',
          spanId: 'eee19b7ec3c1b174',
          parentSpanId: undefined,
          name: 'json span',
          kind: OtlpSpanKind.CLIENT,
          startTimeUnixNano: 1544712660000000000n,
          endTimeUnixNano: 1544712661000000000n,
          attributes: { 'http.status_code': 200 },
          status: { code: 0, message: '' },
          events: [],
          resource: { 'service.name': 'json-client' },
          scope: { name: 'manual', version: '' },
        },
      ]);
    });

    it('refuses a body that is neither protobuf nor JSON with 415', async function () {
      const response = await fetch(receiver.tracesUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });

      expect(response.status).to.equal(415);
      expect(receiver.spans()).to.be.empty;
    });

    it('answers an injected 503 so the exporter retries and its retry is accepted', async function () {
      receiver.failNext(1, { kind: 'status', status: 503 });

      const result = await exportDirectly(new OTLPTraceExporter({ url: receiver.tracesUrl }), await finishedSpans());

      expect(result.code).to.equal(ExportResultCode.SUCCESS);
      expect(receiver.requests.map((r) => r.status)).to.deep.equal([503, 200]);
      expect(receiver.spans()).to.have.lengthOf(1);
    });

    it('answers slowly enough on request to make the exporter time out', async function () {
      receiver.failNext(1, { kind: 'delay', delayMs: 1000 });
      const exporter = new OTLPTraceExporter({ url: receiver.tracesUrl, timeoutMillis: 200 });

      const result = await exportDirectly(exporter, await finishedSpans());

      expect(result.code).to.equal(ExportResultCode.FAILED);
      await exporter.shutdown();
    });
  });

  describe('X-Ray daemon', function () {
    const daemon = new XRayDaemon();
    before(async () => {
      await daemon.start();
      AWSXRay.setDaemonAddress(daemon.address);
    });
    after(async () => {
      AWSXRay.setDaemonAddress('127.0.0.1:2000'); // the SDK's default, for whatever runs next
      await daemon.stop();
    });
    afterEach(() => {
      daemon.reset();
    });

    it('records a segment the SDK emits on close, with its subsegments nested', async function () {
      const segment = new AWSXRay.Segment('cruddur-backend');
      const subsegment = segment.addNewSubsegment('postgres');
      subsegment.close();
      segment.close();

      const [received] = await daemon.waitForSegments((s) => s.id === segment.id);
      expect(received).to.include({ name: 'cruddur-backend', trace_id: segment.trace_id });
      expect(received?.end_time).to.be.a('number');
      expect(received?.subsegments?.map((s) => s.name)).to.deep.equal(['postgres']);
    });

    it('records subsegments the SDK streams on their own', async function () {
      AWSXRay.setStreamingThreshold(0);
      try {
        const segment = new AWSXRay.Segment('streaming');
        const first = segment.addNewSubsegment('first');
        first.close();
        // Opening another subsegment above the threshold streams the closed one.
        segment.addNewSubsegment('second');

        const [streamed] = await daemon.waitForSubsegments((s) => s.name === 'first');
        expect(streamed).to.include({ type: 'subsegment', parent_id: segment.id, trace_id: segment.trace_id });
      } finally {
        AWSXRay.setStreamingThreshold(100);
      }
    });

    it('starts again on the port it had, where clients still send', async function () {
      const restarted = new XRayDaemon();
      const { port } = await restarted.start();
      await restarted.stop();
      await restarted.start(port);
      try {
        const socket = createSocket('udp4');
        await new Promise<void>((resolve, reject) => {
          socket.send('{"format":"json","version":1}\n{"id":"3","name":"after restart"}', port, '127.0.0.1', (error) => {
            if (error) reject(error);
            else resolve();
          });
        });
        socket.close();
        expect(restarted.port).to.equal(port);
        await restarted.waitForSegments((s) => s.name === 'after restart');
      } finally {
        await restarted.stop();
      }
    });

    it('counts a datagram without the protocol header as malformed, not as a segment', async function () {
      const socket = createSocket('udp4');
      const send = (datagram: string): Promise<void> =>
        new Promise((resolve, reject) => {
          socket.send(datagram, daemon.port, '127.0.0.1', (error) => {
            if (error) reject(error);
            else resolve();
          });
        });
      await send('{"id":"1","name":"headless"}');
      await send('{"format":"json","version":1}\n{"id":"2","name":"proper"}');
      socket.close();

      // Loopback keeps the order, so once the proper one is in, the headless one was judged.
      await daemon.waitForSegments((s) => s.name === 'proper');
      expect(daemon.segments.map((s) => s.name)).to.deep.equal(['proper']);
      expect(daemon.malformed.map((m) => m.reason)).to.deep.equal(['no header line']);
    });
  });

  describe('Rollbar API', function () {
    const api = new RollbarApi();
    let rollbar: Rollbar;
    before(async () => {
      await api.start();
      rollbar = new Rollbar({ accessToken: 'post-server-item-token', endpoint: api.endpoint, environment: 'test' });
    });
    after(async () => api.stop());
    afterEach(() => {
      api.reset();
    });

    it('records an error item the client posts, with access token, environment and exception', async function () {
      rollbar.error(new TypeError('activities exploded'));

      const [item] = await api.waitForItems();
      expect(item?.accessToken).to.equal('post-server-item-token');
      expect(item?.data).to.include({ environment: 'test', level: 'error' });
      // rollbar 3 reports errors as a trace_chain (the error, then its causes).
      const body = item?.data.body as { trace_chain: { exception: { class: string; message: string } }[] };
      expect(body.trace_chain[0]?.exception).to.deep.include({ class: 'TypeError', message: 'activities exploded' });
    });

    it('answers with the item uuid the way api.rollbar.com does', async function () {
      const response = await new Promise<unknown>((resolve, reject) => {
        rollbar.error('a message', (error: Error | null | undefined, body: unknown) => {
          if (error) reject(error);
          else resolve(body);
        });
      });

      const [item] = await api.waitForItems();
      // The client hands its callback the answer's `result`.
      expect(response).to.deep.equal({ id: null, uuid: item?.uuid });
    });
  });

  describe('CloudWatch Logs API', function () {
    const logs = new CloudWatchLogs();
    let client: CloudWatchLogsClient;
    before(async () => {
      await logs.start();
      client = new CloudWatchLogsClient({
        region: 'us-east-1',
        endpoint: logs.url,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      });
    });
    after(async () => {
      client.destroy();
      await logs.stop();
    });
    afterEach(() => {
      logs.reset();
    });

    async function createStream(logGroupName = 'cruddur', logStreamName = 'pod-1/1'): Promise<void> {
      await client.send(new CreateLogGroupCommand({ logGroupName }));
      await client.send(new CreateLogStreamCommand({ logGroupName, logStreamName }));
    }

    async function rejection(promise: Promise<unknown>): Promise<CloudWatchLogsServiceException> {
      try {
        await promise;
      } catch (error) {
        return error as CloudWatchLogsServiceException;
      }
      throw new Error('expected the call to fail');
    }

    it('stores events put by the SDK client in their group and stream', async function () {
      await createStream();
      const now = Date.now();

      await client.send(
        new PutLogEventsCommand({
          logGroupName: 'cruddur',
          logStreamName: 'pod-1/1',
          logEvents: [
            { timestamp: now, message: 'first' },
            { timestamp: now + 1, message: 'second' },
          ],
        }),
      );

      expect(logs.messages('cruddur', 'pod-1/1')).to.deep.equal(['first', 'second']);
    });

    it('records the operation and the SigV4 scope of each call', async function () {
      await createStream();

      expect(logs.calls.map((c) => c.operation)).to.deep.equal(['CreateLogGroup', 'CreateLogStream']);
      expect(logs.calls[0]?.signedWith).to.deep.include({ accessKeyId: 'test', region: 'us-east-1', service: 'logs' });
      expect(logs.calls[0]?.headers['content-type']).to.equal('application/x-amz-json-1.1');
    });

    it('refuses an unsigned request with MissingAuthenticationTokenException', async function () {
      const response = await fetch(logs.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Logs_20140328.DescribeLogGroups' },
        body: '{}',
      });

      expect(response.status).to.equal(403);
      expect(await response.json()).to.include({ __type: 'MissingAuthenticationTokenException' });
    });

    it('answers a second CreateLogGroup with ResourceAlreadyExistsException', async function () {
      await createStream();

      const error = await rejection(client.send(new CreateLogGroupCommand({ logGroupName: 'cruddur' })));

      expect(error).to.be.instanceOf(ResourceAlreadyExistsException);
    });

    it('answers PutLogEvents to a missing stream with ResourceNotFoundException', async function () {
      await client.send(new CreateLogGroupCommand({ logGroupName: 'cruddur' }));

      const error = await rejection(
        client.send(
          new PutLogEventsCommand({
            logGroupName: 'cruddur',
            logStreamName: 'nobody',
            logEvents: [{ timestamp: Date.now(), message: 'lost' }],
          }),
        ),
      );

      expect(error).to.be.instanceOf(ResourceNotFoundException);
    });

    it('rejects events out of chronological order with InvalidParameterException', async function () {
      await createStream();
      const now = Date.now();

      const error = await rejection(
        client.send(
          new PutLogEventsCommand({
            logGroupName: 'cruddur',
            logStreamName: 'pod-1/1',
            logEvents: [
              { timestamp: now, message: 'later' },
              { timestamp: now - 1, message: 'earlier' },
            ],
          }),
        ),
      );

      expect(error).to.be.instanceOf(InvalidParameterException);
      expect(error.message).to.match(/chronological order/);
    });

    it('rejects a batch above 1,048,576 bytes counting 26 bytes per event', async function () {
      await createStream();
      const now = Date.now();
      // 4 × (262,118 + 26) = 1,048,576 exactly; one more byte is too many.
      const logEvents = [0, 1, 2, 3].map((i) => ({ timestamp: now, message: 'x'.repeat(262_118 + (i === 3 ? 1 : 0)) }));

      const error = await rejection(client.send(new PutLogEventsCommand({ logGroupName: 'cruddur', logStreamName: 'pod-1/1', logEvents })));

      expect(error).to.be.instanceOf(InvalidParameterException);
      expect(error.message).to.match(/Upload too large: 1048577 bytes/);
    });

    it('stores the events within 14 days and reports older ones in rejectedLogEventsInfo', async function () {
      await createStream();
      const now = Date.now();
      const logEvents = [
        { timestamp: now - 15 * 24 * 60 * 60 * 1000, message: 'too old' },
        { timestamp: now - 15 * 24 * 60 * 60 * 1000 + 1, message: 'also too old' },
      ];

      const response = await client.send(new PutLogEventsCommand({ logGroupName: 'cruddur', logStreamName: 'pod-1/1', logEvents }));

      expect(response.rejectedLogEventsInfo).to.deep.equal({ tooOldLogEventEndIndex: 1 });
      expect(logs.events('cruddur', 'pod-1/1')).to.be.empty;
    });

    it('rejects a batch spanning more than 24 hours', async function () {
      await createStream();
      const now = Date.now();
      const logEvents = [
        { timestamp: now - 25 * 60 * 60 * 1000, message: 'yesterday' },
        { timestamp: now, message: 'today' },
      ];

      const error = await rejection(client.send(new PutLogEventsCommand({ logGroupName: 'cruddur', logStreamName: 'pod-1/1', logEvents })));

      expect(error).to.be.instanceOf(InvalidParameterException);
    });

    it('lists groups and streams through DescribeLogGroups and DescribeLogStreams', async function () {
      await createStream('cruddur', 'pod-1/1');
      await client.send(new CreateLogStreamCommand({ logGroupName: 'cruddur', logStreamName: 'pod-2/1' }));

      const groups = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'crud' }));
      const streams = await client.send(new DescribeLogStreamsCommand({ logGroupName: 'cruddur', logStreamNamePrefix: 'pod-2' }));

      expect(groups.logGroups?.map((g) => g.logGroupName)).to.deep.equal(['cruddur']);
      expect(streams.logStreams?.map((s) => s.logStreamName)).to.deep.equal(['pod-2/1']);
    });

    it('answers injected throttling with a 400 ThrottlingException', async function () {
      logs.failNext(1, { kind: 'throttle' }, 'DescribeLogGroups');

      const error = await rejection(client.send(new DescribeLogGroupsCommand({})));

      expect(error).to.deep.include({ name: 'ThrottlingException' });
      expect(error.$metadata.httpStatusCode).to.equal(400);
    });

    it('answers injected server errors with their status', async function () {
      logs.failNext(1, { kind: 'server-error', status: 503 });

      const error = await rejection(client.send(new DescribeLogGroupsCommand({})));

      expect(error.$metadata.httpStatusCode).to.equal(503);
      expect(error.$fault).to.equal('server');
    });

    it('serves the next call normally once the injected failures are used up', async function () {
      logs.failNext(1, { kind: 'server-error', status: 500 });
      await rejection(client.send(new DescribeLogGroupsCommand({})));

      const groups = await client.send(new DescribeLogGroupsCommand({}));

      expect(groups.logGroups).to.deep.equal([]);
    });

    it('holds a hung call until the client gives up', async function () {
      logs.failNext(1, { kind: 'hang' });

      const error = await rejection(client.send(new DescribeLogGroupsCommand({}), { abortSignal: AbortSignal.timeout(200) }));

      expect(error.name).to.match(/AbortError|TimeoutError/);
      expect(logs.calls[0]).to.include({ operation: 'DescribeLogGroups', status: 0 });
    });
  });
});
