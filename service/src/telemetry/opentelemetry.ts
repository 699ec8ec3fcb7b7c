/**
 * Starts OpenTelemetry. It must run before anything it instruments is loaded (http): main.ts starts it first,
 * with the configuration it read, and loads the rest of the service only afterwards.
 *
 * Standard OTEL_* variables configure it (exporter, endpoint, sampler, batch sizes). Defaults: traces over
 * OTLP http/protobuf to http://localhost:4318 (the collector sidecar), no metrics or logs signal: that is set up
 * from the SDK's parts (tracing-sdk.ts), and any other choice by NodeSDK, loaded only then.
 */
import type { IncomingMessage } from 'node:http';
import { diag, type TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, getStringFromEnv, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { NodeSDK, NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { AlwaysOnSampler } from '@opentelemetry/sdk-trace';
import type { Config, Propagator } from '../config';
import { isProbe } from '../request/probe-paths';
import { DropCountingExporter } from './drop-counting-exporter';
import { instrumentations, resourceDetectors } from './enabled-instrumentations';
import { IncomingRootIdGenerator, XRayRootPropagator } from './trace-ids';
import { DEFAULT_HELD_SPANS_LIMITS, HeldSpansProcessor, type HeldSpansLosses } from './sampling/held-spans';
import type { KeepDecision } from './sampling/keep-policy';
import { batchProcessorFromEnv, samplerFor, showSdkMessages, startTracing, tracesOnly } from './tracing-sdk';

export interface OpenTelemetryHandle {
  enabled: boolean;
  /** Flushes buffered spans and stops the SDK; safe to call when disabled. */
  shutdown: () => Promise<void>;
  /** Spans still being exported, given up on: counted here, never again as dropped (0 with another exporter). */
  abandonPendingSpans: () => number;
  /** With TRACES_SAMPLING=request-end: tells the spans held for a trace whether they are kept. */
  decide?: (traceId: string, decision: KeepDecision) => void;
}

/** Defaults for variables the SDK reads itself, applied only when the operator left them unset. */
const SDK_DEFAULTS: Record<string, string> = {
  // Only traces: nothing listens for metrics or logs, and an exporter to nowhere logs an error every minute.
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
  // One span per request from http (request tracing gives it http.route); dns/net/fs add spans nobody reads, and
  // koa's router span would repeat the server span at a cost per request. AWS detectors only on request (eks
  // profile), as off AWS they wait for a metadata endpoint that never answers.
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http',
  OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process,serviceinstance,container',
};

function resourceAttributes({ environment, telemetry }: Config) {
  const attributes: Record<string, string> = {
    'service.name': telemetry.serviceName,
    'service.version': telemetry.serviceVersion,
    'deployment.environment.name': environment,
  };
  const optional: Record<string, string | undefined> = {
    'vcs.ref.head.revision': telemetry.gitSha,
    'k8s.pod.name': telemetry.kubernetes.podName,
    'k8s.namespace.name': telemetry.kubernetes.namespace,
    'k8s.node.name': telemetry.kubernetes.nodeName,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) attributes[key] = value;
  return attributes;
}

/**
 * The default exporter (OTLP http/protobuf), wrapped so lost spans are counted in the log. Another exporter or
 * protocol chosen through OTEL_TRACES_EXPORTER / OTEL_EXPORTER_OTLP_*PROTOCOL is left to the SDK as configured.
 */
function defaultTraceExporter(): DropCountingExporter | undefined {
  const exporter = getStringFromEnv('OTEL_TRACES_EXPORTER') ?? 'otlp';
  const protocol = getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/protobuf';
  return exporter === 'otlp' && protocol === 'http/protobuf' ? new DropCountingExporter(new OTLPTraceExporter()) : undefined;
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function startNodeSdk(options: Partial<NodeSDKConfiguration>): NodeSDK {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only for what tracing-sdk.ts does not build
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK(options);
  sdk.start();
  return sdk;
}

/**
 * OTEL_PROPAGATORS as config.ts read it. Extraction runs in order and a later find wins: with the default an X-Ray
 * header (ALB, API Gateway, other AWS SDKs) beats traceparent, and a Root-only ALB header still keeps its trace id
 * (XRayRootPropagator, right after the AWS X-Ray one).
 */
function propagatorFor(names: readonly Propagator[]): CompositePropagator {
  const byName: Record<Propagator, TextMapPropagator[]> = {
    tracecontext: [new W3CTraceContextPropagator()],
    baggage: [new W3CBaggagePropagator()],
    xray: [new AWSXRayPropagator(), new XRayRootPropagator()],
  };
  return new CompositePropagator({ propagators: names.flatMap((name) => byName[name]) });
}

function reportHeldSpansLosses({ overflowed, expired }: HeldSpansLosses): void {
  diag.warn(
    `spans lost before their request was decided, since start: ${overflowed} over the held-spans bounds, ${expired} of requests undecided after ${DEFAULT_HELD_SPANS_LIMITS.maxHoldMs} ms`,
  );
}

/** The SDK as the configuration asks (OTEL_SDK_DISABLED=true: nothing started, a handle that does nothing). */
export function startOpenTelemetry(config: Config): OpenTelemetryHandle {
  if (!config.telemetry.otel.enabled) return { enabled: false, shutdown: () => Promise.resolve(), abandonPendingSpans: () => 0 };
  // Empty counts as unset, as for every variable of the service.
  for (const [name, value] of Object.entries(SDK_DEFAULTS)) if (getStringFromEnv(name) === undefined) process.env[name] = value;
  const traceExporter = defaultTraceExporter();
  const fromParts = traceExporter !== undefined && tracesOnly();
  if (fromParts) showSdkMessages(); // NodeSDK shows them itself
  // config.ts lets request-end sampling through only with the default exporter.
  const held =
    config.telemetry.sampling.mode === 'request-end' && traceExporter
      ? new HeldSpansProcessor(batchProcessorFromEnv(traceExporter), DEFAULT_HELD_SPANS_LIMITS, reportHeldSpansLosses)
      : undefined;
  const parts = {
    resource: resourceFromAttributes(resourceAttributes(config)),
    resourceDetectors: resourceDetectors(),
    idGenerator: new IncomingRootIdGenerator(),
    // Decided at request end: every request is recorded, whatever its caller's flag says.
    sampler: held ? new AlwaysOnSampler() : samplerFor(config.telemetry.otel.sampler),
    propagator: propagatorFor(config.telemetry.otel.propagators),
    instrumentations: instrumentations({
      ignoreIncomingRequestHook: (req) => isProbe(pathOf(req)),
      // The only outgoing calls are telemetry's own (Rollbar, CloudWatch): tracing them is noise.
      disableOutgoingRequestInstrumentation: true,
    }),
  };
  const handle = {
    enabled: true,
    abandonPendingSpans: () => traceExporter?.abandonInFlight() ?? 0,
    decide: held && ((traceId: string, decision: KeepDecision) => { held.decide(traceId, decision); }),
  };
  if (fromParts) {
    const provider = startTracing({ ...parts, spanProcessor: held ?? batchProcessorFromEnv(traceExporter) });
    return { ...handle, shutdown: () => provider.shutdown() };
  }
  const { propagator, ...common } = parts;
  const sdk = startNodeSdk({ ...common, textMapPropagator: propagator, ...(held ? { spanProcessors: [held] } : { traceExporter }) });
  return { ...handle, shutdown: () => sdk.shutdown() };
}
