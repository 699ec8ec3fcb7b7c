/**
 * The instrumentations and resource detectors, as OTEL_NODE_ENABLED_INSTRUMENTATIONS,
 * OTEL_NODE_DISABLED_INSTRUMENTATIONS and OTEL_NODE_RESOURCE_DETECTORS choose them.
 *
 * auto-instrumentations-node requires every one of its instrumentation and detector packages as it loads, whatever
 * is enabled, and pays for them in memory. The default choice (http, and detectors that need no cloud) is built
 * from the same packages the bundle would pick, and the bundle is loaded only when the operator asks for something
 * else, so every name it accepts still works.
 */
import { getStringListFromEnv } from '@opentelemetry/core';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation, type HttpInstrumentationConfig } from '@opentelemetry/instrumentation-http';
import { containerDetector } from '@opentelemetry/resource-detector-container';
import {
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  type ResourceDetector,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';

type AutoInstrumentations = typeof import('@opentelemetry/auto-instrumentations-node');

/** Detectors that read only the process, the host and the environment: no metadata endpoint to wait for. */
const LOCAL_DETECTORS: Readonly<Record<string, readonly ResourceDetector[]>> = {
  env: [envDetector],
  host: [hostDetector],
  os: [osDetector],
  process: [processDetector],
  serviceinstance: [serviceInstanceIdDetector],
  container: [containerDetector],
};

function autoInstrumentations(): AutoInstrumentations {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the environment asks for it
  return require('@opentelemetry/auto-instrumentations-node') as AutoInstrumentations;
}

export function instrumentations(http: HttpInstrumentationConfig): Instrumentation[] {
  const enabled = getStringListFromEnv('OTEL_NODE_ENABLED_INSTRUMENTATIONS');
  if (enabled?.every((name) => name === 'http')) {
    const disabled = getStringListFromEnv('OTEL_NODE_DISABLED_INSTRUMENTATIONS') ?? [];
    return disabled.includes('http') ? [] : [new HttpInstrumentation(http)];
  }
  return autoInstrumentations().getNodeAutoInstrumentations({ '@opentelemetry/instrumentation-http': http });
}

export function resourceDetectors(): ResourceDetector[] {
  const names = getStringListFromEnv('OTEL_NODE_RESOURCE_DETECTORS');
  if (names?.every((name) => Object.hasOwn(LOCAL_DETECTORS, name))) return names.flatMap((name) => LOCAL_DETECTORS[name] ?? []);
  return autoInstrumentations().getResourceDetectors();
}
