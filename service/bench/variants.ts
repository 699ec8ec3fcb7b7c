import path from 'node:path';
import type { Destinations } from './delivery';
import { LOG_GROUP, LOG_STREAM } from './delivery';
import type { Layout } from './measure';
import { HEAD_SAMPLING, PRODUCTION_SAMPLING } from './production';
import type { TargetSpec } from './target';

export type VariantId = 'a' | 'b' | 'c' | 'd' | 'dh' | 'e' | 'e0';

export interface Variant {
  id: VariantId;
  label: string;
  /** The variant its telemetry overhead is measured against. */
  baseline: VariantId;
  /** A reference app, not this service: measured in the first round only. */
  peer?: boolean;
  /** Whether its telemetry reaches the stand-ins (false: nothing to count, or every backend is down). */
  delivers: boolean;
  /** Needs addresses where nothing listens instead of the stand-ins. */
  backendsDown?: boolean;
  target: (destinations: Destinations, layout: Pick<Layout, 'root' | 'nodeOptions'>) => TargetSpec;
}

/** The service exactly as the image starts it (NODE_OPTIONS: the chart's heap caps, see the layout). */
const SERVICE_ARGS = ['dist/src/main.js'];
const PEER_ARGS = ['--require', '@opentelemetry/auto-instrumentations-node/register', 'dist/bench/peer-express/server.js'];
const PEER_BARE_ARGS = ['dist/bench/peer-express/bare.js'];

function sampleEverything(root: string): string {
  return path.join(root, 'service/test/fixtures/xray-sample-everything.json');
}

/** Every telemetry destination of the service, pointed at `d`. */
function serviceTelemetry(d: Destinations): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: d.otlp,
    AWS_XRAY_DAEMON_ADDRESS: d.xrayDaemon,
    ROLLBAR_ACCESS_TOKEN: 'bench-rollbar-token',
    ROLLBAR_ENDPOINT: d.rollbar,
    CLOUDWATCH_LOG_GROUP: LOG_GROUP,
    CLOUDWATCH_LOG_STREAM: LOG_STREAM,
    CLOUDWATCH_ENDPOINT: d.cloudwatch,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench-secret',
    DEPLOYMENT_ENVIRONMENT: 'bench',
  };
}

/** Every request recorded and sent, decided at its start: OpenTelemetry's parent-based always-on, X-Ray rules that keep all. */
function everything(root: string): Record<string, string> {
  return { TRACES_SAMPLING: 'head', OTEL_TRACES_SAMPLER: 'parentbased_always_on', XRAY_SAMPLING_RULES: sampleEverything(root) };
}

export const VARIANTS: readonly Variant[] = [
  {
    id: 'a',
    label: '(a) service, telemetry off',
    baseline: 'a',
    delivers: false,
    target: (_destinations, { nodeOptions }) => ({ args: SERVICE_ARGS, env: { NODE_OPTIONS: nodeOptions, OTEL_SDK_DISABLED: 'true', XRAY_ENABLED: 'false', DEPLOYMENT_ENVIRONMENT: 'bench' } }),
  },
  {
    id: 'b',
    label: '(b) service, full telemetry, 100% sampled',
    baseline: 'a',
    delivers: true,
    target: (d, { root, nodeOptions }) => ({ args: SERVICE_ARGS, env: { NODE_OPTIONS: nodeOptions, ...serviceTelemetry(d), ...everything(root) } }),
  },
  {
    id: 'c',
    label: '(c) as (b), every backend down',
    baseline: 'a',
    delivers: false,
    backendsDown: true,
    target: (d, { root, nodeOptions }) => ({ args: SERVICE_ARGS, env: { NODE_OPTIONS: nodeOptions, ...serviceTelemetry(d), ...everything(root) } }),
  },
  {
    id: 'd',
    label: '(d) service, production sampling',
    baseline: 'a',
    delivers: true,
    target: (d, { nodeOptions }) => ({ args: SERVICE_ARGS, env: { NODE_OPTIONS: nodeOptions, ...serviceTelemetry(d), ...PRODUCTION_SAMPLING } }),
  },
  {
    id: 'dh',
    label: "(dh) as (d), the previous release's head sampling",
    baseline: 'a',
    delivers: true,
    target: (d, { nodeOptions }) => ({ args: SERVICE_ARGS, env: { NODE_OPTIONS: nodeOptions, ...serviceTelemetry(d), ...HEAD_SAMPLING } }),
  },
  {
    id: 'e',
    peer: true,
    label: '(e) peer: Express + OTel auto + X-Ray SDK',
    baseline: 'e0',
    delivers: true,
    target: (d, { root }) => ({
      args: PEER_ARGS,
      env: {
        OTEL_SERVICE_NAME: 'peer-express',
        OTEL_EXPORTER_OTLP_ENDPOINT: d.otlp,
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        AWS_XRAY_DAEMON_ADDRESS: d.xrayDaemon,
        XRAY_SAMPLING_RULES: sampleEverything(root),
      },
    }),
  },
  {
    id: 'e0',
    peer: true,
    label: '(e0) peer without telemetry',
    baseline: 'e0',
    delivers: false,
    target: () => ({ args: PEER_BARE_ARGS, env: {} }),
  },
];
