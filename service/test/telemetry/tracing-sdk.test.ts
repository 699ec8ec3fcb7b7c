import { expect } from 'chai';
import { evaluateInFreshProcess, runNode, START_OPENTELEMETRY } from '../support/process.js';

/** What a tracer provider was built with, as far as the environment decides it. */
interface ProviderSettings {
  sampler: string;
  spanLimits: Record<string, number>;
  batch: Record<string, number>;
  exporter: string;
  /** Whether spans wait for their request's decision (HeldSpansProcessor) before the batch processor. */
  held: boolean;
  /** Whether the exporter is wrapped in DropCountingExporter (the service's lost-span count). */
  counted: boolean;
  sdkNodeLoaded: boolean;
}

/** Reads the globally registered provider's settings (SDK internals: the package versions are pinned). */
const DESCRIBE_PROVIDER = `
  const { trace } = require('@opentelemetry/api');
  const provider = trace.getTracerProvider().getDelegate();
  const options = provider._tracerOptions;
  const [first] = provider._activeSpanProcessor._spanProcessors;
  const processor = first.next ?? first;
  const exporter = processor._exporter.exporter ?? processor._exporter;
  process.stdout.write(JSON.stringify({
    // The service wraps the configured sampler for deferred X-Ray decisions; NodeSDK's own has no such wrapper.
    sampler: (options.sampler.delegate ?? options.sampler).toString(),
    spanLimits: options.spanLimits,
    batch: {
      maxExportBatchSize: processor._maxExportBatchSize,
      maxQueueSize: processor._maxQueueSize,
      scheduledDelayMillis: processor._scheduledDelayMillis,
      exportTimeoutMillis: processor._exportTimeoutMillis,
    },
    exporter: exporter.constructor.name,
    held: first.constructor.name === 'HeldSpansProcessor',
    counted: processor._exporter.constructor.name === 'DropCountingExporter',
    sdkNodeLoaded: Object.keys(require.cache).some((file) => file.includes('/@opentelemetry/sdk-node/')),
  }));
  process.exit(0);`;

/** The service's OpenTelemetry, as main.ts starts it. */
function bootstrap(env: Record<string, string>): ProviderSettings {
  return evaluateInFreshProcess(`${START_OPENTELEMETRY} ${DESCRIBE_PROVIDER}`, env) as ProviderSettings;
}

/** NodeSDK reading the same environment itself, as its README sets it up for an OTLP/protobuf exporter. */
function nodeSdk(env: Record<string, string>): ProviderSettings {
  const script = `
    const { NodeSDK } = require('@opentelemetry/sdk-node');
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
    new NodeSDK({ traceExporter: new OTLPTraceExporter(), metricReaders: [], logRecordProcessors: [] }).start();
    ${DESCRIBE_PROVIDER}`;
  return evaluateInFreshProcess(script, env) as ProviderSettings;
}

const EVERY_LIMIT_AND_BATCH_SETTING = {
  OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '64',
    OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '512',
    OTEL_SPAN_EVENT_COUNT_LIMIT: '16',
    OTEL_SPAN_LINK_COUNT_LIMIT: '8',
    OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT: '4',
    OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT: '2',
    OTEL_BSP_MAX_QUEUE_SIZE: '4096',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '256',
    OTEL_BSP_SCHEDULE_DELAY: '500',
  OTEL_BSP_EXPORT_TIMEOUT: '10000',
};

/** Head sampling (TRACES_SAMPLING=head), where the configured sampler decides as NodeSDK's would. */
const HEAD_SAMPLED_ENVIRONMENTS: Record<string, Record<string, string>> = {
  'nothing set': { TRACES_SAMPLING: 'head' },
  'the eks profile of the head-sampled release': { TRACES_SAMPLING: 'head', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
  'every span limit and batch setting': { TRACES_SAMPLING: 'head', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25', ...EVERY_LIMIT_AND_BATCH_SETTING },
  'the generic attribute limits and a batch setting out of range': {
    TRACES_SAMPLING: 'head',
    OTEL_TRACES_SAMPLER: 'always_off',
    OTEL_ATTRIBUTE_COUNT_LIMIT: '32',
    OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '256',
    OTEL_BSP_MAX_QUEUE_SIZE: '0',
  },
};

describe('the tracing SDK built from its parts', function () {
  this.timeout(60_000);

  for (const [name, env] of Object.entries(HEAD_SAMPLED_ENVIRONMENTS)) {
    it(`builds what NodeSDK builds from the same environment: ${name}`, () => {
      const ours = bootstrap(env);
      const reference = nodeSdk(env);
      expect(ours.sdkNodeLoaded, 'NodeSDK loaded by the bootstrap').to.equal(false);
      expect(ours).to.include({ exporter: 'OTLPTraceExporter', counted: true, held: false });
      const settings = ({ sampler, spanLimits, batch }: ProviderSettings) => ({ sampler, spanLimits, batch });
      expect(settings(ours)).to.deep.equal(settings(reference));
    });
  }

  it('records every request when decided at request end, holding spans in front of the same batch processor', () => {
    const ours = bootstrap(EVERY_LIMIT_AND_BATCH_SETTING);
    const reference = nodeSdk(EVERY_LIMIT_AND_BATCH_SETTING);
    expect(ours).to.include({ sampler: 'AlwaysOnSampler', held: true, counted: true, sdkNodeLoaded: false });
    expect({ spanLimits: ours.spanLimits, batch: ours.batch }).to.deep.equal({ spanLimits: reference.spanLimits, batch: reference.batch });
  });

  it('builds it too when a signal list names none, or a default variable is empty', () => {
    expect(bootstrap({ OTEL_METRICS_EXPORTER: 'none,console' }).sdkNodeLoaded).to.equal(false);
    expect(bootstrap({ OTEL_METRICS_EXPORTER: '', OTEL_LOGS_EXPORTER: ' ', OTEL_TRACES_EXPORTER: '' })).to.include({ counted: true, sdkNodeLoaded: false });
  });

  it('shows the SDK its messages at OTEL_LOG_LEVEL, as NodeSDK does', async () => {
    const env = { OTEL_BSP_MAX_QUEUE_SIZE: '0' };
    const script = ['-e', `${START_OPENTELEMETRY} process.exit(0)`];
    const warned = await runNode(script, { ...env, OTEL_LOG_LEVEL: 'warn' });
    expect(warned.stderr).to.include('OTEL_BSP_MAX_QUEUE_SIZE (0) is invalid, expected number greater than 0, using default.');
    expect((await runNode(script, { ...env, OTEL_LOG_LEVEL: 'error' })).stderr).not.to.include('OTEL_BSP_MAX_QUEUE_SIZE');
  });

  it('hands another exporter to NodeSDK, which then loads', () => {
    const settings = bootstrap({ TRACES_SAMPLING: 'head', OTEL_TRACES_EXPORTER: 'console' });
    expect(settings).to.include({ exporter: 'ConsoleSpanExporter', sdkNodeLoaded: true });
  });

  it('hands a metrics signal to NodeSDK, with the span export still counted', () => {
    const settings = bootstrap({ OTEL_METRICS_EXPORTER: 'console', OTEL_METRIC_EXPORT_INTERVAL: '600000' });
    expect(settings).to.include({ exporter: 'OTLPTraceExporter', counted: true, held: true, sdkNodeLoaded: true });
  });
});
