/**
 * OpenTelemetry tracing built from the SDK's own parts, the way NodeSDK builds it for traces: the same context
 * manager, propagator, resource detection, span limits and batch processor, read from the same OTEL_* variables.
 *
 * NodeSDK requires its logs, metrics, Prometheus, gRPC, Zipkin and declarative-configuration packages as it loads,
 * whatever is configured, which a service that only exports traces over OTLP/protobuf pays for in start-up and
 * memory. Built from its parts, the bootstrap loads only what tracing needs. opentelemetry.ts still hands
 * every other choice (another exporter or protocol, a metrics or logs signal) to NodeSDK, loaded only then, and
 * tracing-sdk.test.ts checks that both build the same sampler, limits and batch settings from one environment.
 */
import { context, DiagConsoleLogger, diag, propagation, type TextMapPropagator, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { diagLogLevelFromString, getNumberFromEnv, getStringFromEnv, getStringListFromEnv } from '@opentelemetry/core';
import { type Instrumentation, registerInstrumentations } from '@opentelemetry/instrumentation';
import { detectResources, type Resource, type ResourceDetector } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  type IdGenerator,
  ParentBasedSampler,
  type Sampler,
  type SpanExporter,
  type SpanLimits,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { TraceSampler } from '../config';
import { DeferredDecisionSampler } from './trace-ids';

export interface TracingParts {
  resource: Resource;
  resourceDetectors: ResourceDetector[];
  idGenerator: IdGenerator;
  propagator: TextMapPropagator;
  instrumentations: Instrumentation[];
  sampler: Sampler;
  /** What ended spans go through: the batch processor, or HeldSpansProcessor in front of it. */
  spanProcessor: SpanProcessor;
}

/** True when the environment asks for nothing but traces: the metrics and logs exporter lists name `none`. */
export function tracesOnly(): boolean {
  const off = (name: string) => getStringListFromEnv(name)?.includes('none') ?? false;
  return off('OTEL_METRICS_EXPORTER') && off('OTEL_LOGS_EXPORTER');
}

/**
 * OTEL_TRACES_SAMPLER as config.ts validated it (unset: the SDK's default, parent-based always-on), deciding for a
 * deferred X-Ray parent as for a root.
 */
export function samplerFor(choice: TraceSampler | undefined): Sampler {
  return new DeferredDecisionSampler(configuredSampler(choice));
}

function configuredSampler(choice: TraceSampler | undefined): Sampler {
  if (!choice) return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  const ratio = () => new TraceIdRatioBasedSampler(choice.ratio);
  switch (choice.name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio() });
  }
}

/** A positive number from the environment, else undefined (the processor's default), as NodeSDK reads them. */
function positiveFromEnv(name: string): number | undefined {
  const value = getNumberFromEnv(name);
  if (value === undefined || value > 0) return value;
  diag.warn(`${name} (${value}) is invalid, expected number greater than 0, using default.`);
  return undefined;
}

function spanLimitsFromEnv(): SpanLimits {
  return {
    attributeCountLimit: getNumberFromEnv('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT') ?? getNumberFromEnv('OTEL_ATTRIBUTE_COUNT_LIMIT'),
    attributeValueLengthLimit:
      getNumberFromEnv('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT') ?? getNumberFromEnv('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'),
    eventCountLimit: getNumberFromEnv('OTEL_SPAN_EVENT_COUNT_LIMIT'),
    linkCountLimit: getNumberFromEnv('OTEL_SPAN_LINK_COUNT_LIMIT'),
    attributePerEventCountLimit: getNumberFromEnv('OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT'),
    attributePerLinkCountLimit: getNumberFromEnv('OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT'),
  };
}

export function batchProcessorFromEnv(exporter: SpanExporter): BatchSpanProcessor {
  return new BatchSpanProcessor({
    exporter,
    maxQueueSize: positiveFromEnv('OTEL_BSP_MAX_QUEUE_SIZE'),
    scheduledDelayMillis: positiveFromEnv('OTEL_BSP_SCHEDULE_DELAY'),
    exportTimeoutMillis: positiveFromEnv('OTEL_BSP_EXPORT_TIMEOUT'),
    maxExportBatchSize: positiveFromEnv('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
  });
}

/**
 * As NodeSDK does: the SDK's own messages about its settings (the batch processor's among them, so call this before
 * building it) reach the console at OTEL_LOG_LEVEL until the service's logger takes over (destinations.ts).
 */
export function showSdkMessages(): void {
  const logLevel = getStringFromEnv('OTEL_LOG_LEVEL');
  if (logLevel !== undefined) diag.setLogger(new DiagConsoleLogger(), { logLevel: diagLogLevelFromString(logLevel) });
}

/** Registers the instrumentations, context manager, propagator and tracer provider globally, in NodeSDK's order. */
export function startTracing(parts: TracingParts): TracerProvider {
  registerInstrumentations({ instrumentations: parts.instrumentations });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(parts.propagator);
  const provider = new TracerProvider({
    resource: parts.resource.merge(detectResources({ detectors: parts.resourceDetectors })),
    idGenerator: parts.idGenerator,
    sampler: parts.sampler,
    spanLimits: spanLimitsFromEnv(),
    spanProcessors: [parts.spanProcessor],
  });
  trace.setGlobalTracerProvider(provider);
  return provider;
}
