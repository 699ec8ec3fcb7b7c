import { CloudWatchLogs, OtlpReceiver, RollbarApi, XRayDaemon } from '../stand-ins';
import { jsonLines, type ServiceProcess, startService } from '../process';
import { SAMPLE_EVERYTHING } from '../telemetry-stack';
import { collectorConfigOf, containerEnv, imageEnv, NAMESPACE, type PodFacts, renderChart } from './chart';
import { OtelCollector } from './collector';

/** Secret values a real pod would get from its Secret (k8s/kind/create-secret.sh, External Secrets). */
export const HONEYCOMB_API_KEY = 'e2e-honeycomb-ingest-key';
export const ROLLBAR_ACCESS_TOKEN = 'e2e-rollbar-server-token';
export const POD = { name: 'cruddur-backend-6d8f7c9b4-e2e01', node: 'e2e-node-1' } as const;
export const GIT_SHA = 'e2e0123';

export interface PipelineOptions {
  /** Chart values layered over the end-to-end ones for this run. */
  values?: Record<string, unknown>;
  /** The key the pod's Secret holds (default: the one "Honeycomb" accepts). */
  honeycombKey?: string;
  /** Test-only variables for the service on top of the chart's (named in the test that needs them). */
  serviceEnv?: Record<string, string>;
}

/**
 * The whole pipeline on loopback: the built service (as the image runs it, with the environment the chart gives
 * it), the real OpenTelemetry Collector (with the config the chart renders) exporting to a "Honeycomb" that
 * checks the ingest key, and the X-Ray daemon, Rollbar and CloudWatch Logs stand-ins.
 */
export class PipelineStack {
  readonly honeycomb = new OtlpReceiver({ requiredHeaders: { 'x-honeycomb-team': HONEYCOMB_API_KEY } });
  readonly xray = new XRayDaemon();
  readonly rollbar = new RollbarApi();
  readonly cloudwatch = new CloudWatchLogs();
  collector!: OtelCollector;
  service!: ServiceProcess;
  /** The environment the chart gives the app container, before the loopback overrides. */
  chartEnv!: Record<string, string>;
  /** What the service process actually ran with. */
  serviceEnv!: Record<string, string>;

  async start(options: PipelineOptions = {}): Promise<this> {
    await Promise.all([this.honeycomb.start(), this.xray.start(), this.rollbar.start(), this.cloudwatch.start()]);
    const objects = renderChart(merge(this.chartValues(), options.values ?? {}));
    const facts: PodFacts = {
      fieldRefs: { 'metadata.name': POD.name, 'metadata.namespace': NAMESPACE, 'spec.nodeName': POD.node, 'status.hostIP': '127.0.0.1' },
      secrets: {
        ROLLBAR_ACCESS_TOKEN,
        HONEYCOMB_API_KEY: options.honeycombKey ?? HONEYCOMB_API_KEY,
        AWS_ACCESS_KEY_ID: 'E2ETESTACCESSKEY0001',
        AWS_SECRET_ACCESS_KEY: 'e2e-example-secret-access-key',
      },
    };
    this.collector = await OtelCollector.create(collectorConfigOf(objects), containerEnv(objects, 'otel-collector', facts));
    await this.collector.start();
    this.chartEnv = containerEnv(objects, 'app', facts, imageEnv({ GIT_SHA }));
    this.serviceEnv = { ...this.chartEnv, ...this.loopbackOverrides(), ...options.serviceEnv };
    this.service = await startService(this.serviceEnv, 20_000);
    return this;
  }

  /**
   * The chart values of every end-to-end run: the chart's defaults plus what this setup needs.
   * - Honeycomb on, at the local receiver (`collector.honeycomb.endpoint`, plain http on loopback);
   * - keys from an existing Secret, as on kind and EKS (the chart requires HONEYCOMB_API_KEY with Honeycomb on; the
   *   facts' secrets stand in for the Secret);
   * - AWS keys from the pod's Secret, as on kind (on EKS IRSA would exchange a token with STS, off this machine),
   *   and so the log group the eks profile sets (the chart's default ships no logs: it has no credentials);
   * - DEBUG_ROUTES=true through `config.extraEnv`, for the forced 500 (`/debug/error`).
   */
  chartValues(): Record<string, unknown> {
    return {
      collector: { honeycomb: { enabled: true, endpoint: this.honeycomb.url } },
      secrets: { existingSecret: 'cruddur-backend-secrets' },
      aws: { credentialsFromSecret: true },
      telemetry: { cloudwatchLogGroup: 'cruddur' },
      config: { extraEnv: [{ name: 'DEBUG_ROUTES', value: 'true' }] },
    };
  }

  /**
   * Where the service's environment differs from the chart's, and why: each process has its own port on one
   * machine, and each backend is a process on loopback instead of a host on the internet.
   */
  loopbackOverrides(): Record<string, string> {
    return {
      // chart: 4567, the container port; here a free one.
      PORT: '0',
      // chart: http://localhost:4318, the sidecar in the same pod; here the collector's port on 127.0.0.1.
      OTEL_EXPORTER_OTLP_ENDPOINT: this.collector.otlpHttpUrl,
      // chart: the node-local daemon Service (cruddur-backend-xray.cruddur.svc:2000); here the daemon stand-in.
      AWS_XRAY_DAEMON_ADDRESS: this.xray.address,
      // chart: unset, so the AWS SDK's and Rollbar's public endpoints; here the stand-ins.
      CLOUDWATCH_ENDPOINT: this.cloudwatch.url,
      ROLLBAR_ENDPOINT: this.rollbar.endpoint,
      // chart: the shipped course rule (5 a second, then 10%): whether a request has a segment would depend on
      // timing, and these tests assert that every request has one.
      XRAY_SAMPLING_RULES: SAMPLE_EVERYTHING,
    };
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.service.port}${path}`;
  }

  /** The chart sets no CLOUDWATCH_LOG_STREAM: the service names its stream <pod name>/<pid>. */
  get logGroup(): string {
    const group = this.serviceEnv.CLOUDWATCH_LOG_GROUP;
    if (group === undefined) throw new Error('the chart gave the service no CLOUDWATCH_LOG_GROUP');
    return group;
  }

  get logStream(): string {
    return `${POD.name}/${String(this.service.child.pid)}`;
  }

  /** The service's log lines shipped to CloudWatch, parsed. */
  shippedLogs(): Record<string, unknown>[] {
    return this.cloudwatch.messages(this.logGroup, this.logStream).map((message) => JSON.parse(message) as Record<string, unknown>);
  }

  /** The service's stdout log lines, parsed. */
  stdoutLines(): Record<string, unknown>[] {
    return jsonLines(this.service.stdout());
  }

  /** SIGTERM to the service, then the collector (a native sidecar stops after the app), then the stand-ins. */
  async stop(): Promise<void> {
    if (this.service.child.exitCode === null && this.service.child.signalCode === null) {
      this.service.child.kill('SIGTERM');
      await this.service.exited;
    }
    await this.collector.dispose();
    await Promise.all([this.honeycomb.stop(), this.xray.stop(), this.rollbar.stop(), this.cloudwatch.stop()]);
  }
}

/** The ids a response names: `traceresponse` (W3C) and the X-Ray form of the same trace id. */
export function idsOf(res: Response): { traceId: string; spanId: string; xrayTraceId: string } {
  const [, traceId = '', spanId = ''] = (res.headers.get('traceresponse') ?? '').split('-');
  return { traceId, spanId, xrayTraceId: `1-${traceId.slice(0, 8)}-${traceId.slice(8)}` };
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = result[key];
    result[key] = isObject(current) && isObject(value) ? merge(current, value) : value;
  }
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
