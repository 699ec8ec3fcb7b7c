/**
 * The probe paths, in a module with no dependencies: OpenTelemetry's start needs them before anything
 * it instruments is loaded. Probes run every few seconds per pod, so they are neither logged nor traced.
 */
const PROBE_PATHS: ReadonlySet<string> = new Set(['/health', '/ready']);

export function isProbe(path: string): boolean {
  return PROBE_PATHS.has(path);
}
