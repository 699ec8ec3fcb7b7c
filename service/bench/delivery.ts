import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { CloudWatchLogs, OtlpReceiver, RollbarApi, XRayDaemon } from '../test/support/stand-ins';

export const LOG_GROUP = 'cruddur-bench';
export const LOG_STREAM = 'bench/1';

/** What the stand-ins received from one variant. */
export interface Delivery {
  spans: number;
  /** Distinct trace ids among the spans: one per request that OpenTelemetry recorded. */
  spanTraces: number;
  segments: number;
  /** Segments whose trace has no span: must be 0 ("every request in X-Ray is also in OpenTelemetry"). */
  segmentsWithoutSpans: number;
  logEvents: number;
}

/** The addresses a service is given for its telemetry destinations. */
export interface Destinations {
  otlp: string;
  xrayDaemon: string;
  rollbar: string;
  cloudwatch: string;
}

const DRAIN_INTERVAL_MS = 250;

/** `1-5759e988-bd862e3f1be46a994272793` (X-Ray) → `5759e988bd862e3f1be46a994272793` (OpenTelemetry). */
function otelTraceId(xrayTraceId: string): string {
  return xrayTraceId.replace(/^1-/, '').replace('-', '');
}

/**
 * The test suite's loopback stand-ins (OTLP receiver, X-Ray daemon, Rollbar, CloudWatch Logs), counted for real:
 * every OTLP request is decoded, every datagram parsed, every PutLogEvents call validated. What they record is
 * tallied and emptied every 250 ms, so a long run keeps only trace ids in memory.
 */
export class DeliveryRecorder {
  private readonly otlp = new OtlpReceiver();
  /** Bursts of datagrams arrive while this process decodes a span batch: the default buffer would drop some. */
  private readonly xray = new XRayDaemon({ receiveBufferBytes: 4 * 2 ** 20 });
  private readonly rollbar = new RollbarApi();
  private readonly cloudwatch = new CloudWatchLogs();
  private readonly spanTraceIds = new Set<string>();
  private readonly segmentTraceIds = new Set<string>();
  private spans = 0;
  private segments = 0;
  private logEvents = 0;
  private timer: NodeJS.Timeout | undefined;

  async start(): Promise<void> {
    await Promise.all([this.otlp.start(), this.xray.start(), this.rollbar.start(), this.cloudwatch.start()]);
    this.timer = setInterval(() => {
      this.drain();
    }, DRAIN_INTERVAL_MS);
  }

  destinations(): Destinations {
    return { otlp: this.otlp.url, xrayDaemon: daemonByName(this.xray.port), rollbar: this.rollbar.endpoint, cloudwatch: this.cloudwatch.url };
  }

  /** Forgets what was received so far (between variants). */
  reset(): void {
    this.drain();
    this.spanTraceIds.clear();
    this.segmentTraceIds.clear();
    this.spans = this.segments = this.logEvents = 0;
  }

  delivery(): Delivery {
    this.drain();
    let segmentsWithoutSpans = 0;
    for (const traceId of this.segmentTraceIds) if (!this.spanTraceIds.has(traceId)) segmentsWithoutSpans += 1;
    return {
      spans: this.spans,
      spanTraces: this.spanTraceIds.size,
      segments: this.segments,
      segmentsWithoutSpans,
      logEvents: this.logEvents,
    };
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([this.otlp.stop(), this.xray.stop(), this.rollbar.stop(), this.cloudwatch.stop()]);
  }

  private drain(): void {
    for (const span of this.otlp.spans()) {
      this.spans += 1;
      this.spanTraceIds.add(span.traceId);
    }
    this.otlp.requests.length = 0;
    for (const segment of this.xray.segments) {
      this.segments += 1;
      if (segment.trace_id !== undefined) this.segmentTraceIds.add(otelTraceId(segment.trace_id));
    }
    this.xray.segments.length = 0;
    this.xray.subsegments.length = 0;
    const events = this.cloudwatch.events(LOG_GROUP, LOG_STREAM);
    this.logEvents += events.length;
    events.length = 0;
    this.cloudwatch.calls.length = 0;
  }
}

/**
 * The daemon by name, as the chart gives it (a Service name), not as an IP literal: the service then pays for
 * resolving it (once, then on refresh) as it does in the cluster. `localhost` is the name every machine answers.
 */
function daemonByName(port: number): string {
  return `localhost:${port}`;
}

/** Addresses where nothing listens: every backend down (connections refused, datagrams to a closed port). */
export async function deadDestinations(): Promise<Destinations> {
  const [otlp, rollbar, cloudwatch, xray] = await Promise.all([freeTcpPort(), freeTcpPort(), freeTcpPort(), freeUdpPort()]);
  return {
    otlp: `http://127.0.0.1:${otlp}`,
    xrayDaemon: daemonByName(xray),
    rollbar: `http://127.0.0.1:${rollbar}/api/1/item/`,
    cloudwatch: `http://127.0.0.1:${cloudwatch}`,
  };
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
  });
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4').once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => {
        resolve(port);
      });
    });
  });
}
