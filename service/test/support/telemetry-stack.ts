import path from 'node:path';
import { eventually } from './e2e/tools';
import { CloudWatchLogs, OtlpReceiver, RollbarApi, XRayDaemon } from './stand-ins';
import { jsonLines, ROOT, type ServiceProcess, startService } from './process';

export const LOG_GROUP = 'cruddur';
export const LOG_STREAM = 'test-pod/1';
export const SAMPLE_EVERYTHING = path.join(ROOT, 'service/test/fixtures/xray-sample-everything.json');

/**
 * The built service as a real process, with every telemetry destination pointed at a stand-in on loopback:
 * OTLP receiver ("Honeycomb" via the collector), X-Ray daemon (UDP), Rollbar API, CloudWatch Logs API.
 */
export class TelemetryStack {
  readonly otlp = new OtlpReceiver();
  readonly xray = new XRayDaemon();
  readonly rollbar = new RollbarApi();
  readonly cloudwatch = new CloudWatchLogs();
  service!: ServiceProcess;

  async start(extraEnv: Record<string, string> = {}): Promise<this> {
    await Promise.all([this.otlp.start(), this.xray.start(), this.rollbar.start(), this.cloudwatch.start()]);
    this.service = await startService({ ...this.env(), ...extraEnv });
    return this;
  }

  env(): Record<string, string> {
    return {
      OTEL_EXPORTER_OTLP_ENDPOINT: this.otlp.url,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      AWS_XRAY_DAEMON_ADDRESS: this.xray.address,
      XRAY_SAMPLING_RULES: SAMPLE_EVERYTHING,
      ROLLBAR_ACCESS_TOKEN: 'test-rollbar-token',
      ROLLBAR_ENDPOINT: this.rollbar.endpoint,
      CLOUDWATCH_LOG_GROUP: LOG_GROUP,
      CLOUDWATCH_LOG_STREAM: LOG_STREAM,
      CLOUDWATCH_ENDPOINT: this.cloudwatch.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'test-secret',
      DEBUG_ROUTES: 'true',
      HONEYCOMB_TEAM: 'cruddur-team',
      HONEYCOMB_ENVIRONMENT: 'test',
      DEPLOYMENT_ENVIRONMENT: 'test',
      GIT_SHA: 'abc1234',
      K8S_POD_NAME: 'cruddur-backend-7d9f-x2x4',
      K8S_NAMESPACE_NAME: 'cruddur',
      K8S_NODE_NAME: 'kind-worker',
    };
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.service.port}${path}`;
  }

  /** Log lines the process wrote to stdout, parsed. */
  stdoutLines(): Record<string, unknown>[] {
    return jsonLines(this.service.stdout());
  }

  /** The first stdout line `matches` picks, once written: the service writes its lines once per event-loop turn. */
  waitForStdoutLine(matches: (line: Record<string, unknown>) => boolean, timeoutMs = 5000): Promise<Record<string, unknown>> {
    return eventually(() => this.stdoutLines().find(matches), () => 'a matching stdout line', timeoutMs, 20);
  }

  /** A stack started before and stopped after the calling `describe`'s tests. */
  static forSuite(extraEnv: Record<string, string> = {}): TelemetryStack {
    const stack = new TelemetryStack();
    before(async () => {
      await stack.start(extraEnv);
    });
    after(async () => {
      await stack.stop();
    });
    return stack;
  }

  async stop(): Promise<void> {
    if (this.service.child.exitCode === null) {
      this.service.child.kill('SIGTERM');
      await this.service.exited;
    }
    await Promise.all([this.otlp.stop(), this.xray.stop(), this.rollbar.stop(), this.cloudwatch.stop()]);
  }
}
