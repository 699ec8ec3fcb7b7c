import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { deployVersion } from './deploy-version';
import type { RequestSamplingConfig } from './telemetry/sampling/keep-policy';

/**
 * The service's configuration: read from the environment once, validated, typed.
 * Every problem is collected so one start-up message names every invalid variable.
 */

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';

/** The OTEL_PROPAGATORS this service ships: W3C trace context and baggage, and AWS X-Ray's header. */
export const PROPAGATORS = ['tracecontext', 'baggage', 'xray'] as const;
export type Propagator = (typeof PROPAGATORS)[number];
/** OTEL_LOG_LEVEL's standard values. */
export const OTEL_LOG_LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'] as const;
export type OtelLogLevel = (typeof OTEL_LOG_LEVELS)[number];

/** OTEL_TRACES_SAMPLER's standard values. */
export const TRACE_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export interface Config {
  port: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Origins allowed by CORS on /api/*: those of FRONTEND_URL and BACKEND_URL. */
  corsOrigins: string[];
  bodyLimitBytes: number;
  /** How long in-flight requests may take to finish after SIGTERM. */
  drainTimeoutMs: number;
  /** Hard deadline for the whole shutdown (drain + flushes); the process exits when it passes. */
  shutdownTimeoutMs: number;
  /** Must exceed the load balancer's idle timeout (ALB: 60 s) or it closes sockets the LB still uses. */
  keepAliveTimeoutMs: number;
  environment: string;
  /** Serve /debug/error (a deliberate 500) to check error reporting end to end; off by default. */
  debugRoutes: boolean;
  telemetry: TelemetryConfig;
}

export interface TelemetryConfig {
  serviceName: string;
  /** What spans (service.version) and X-Ray segments (annotation version) carry: see deploy-version.ts. */
  serviceVersion: string;
  /** The commit the image was built from, when the build said (GIT_SHA). */
  gitSha: string | undefined;
  /** Where the pod runs, from the downward API: resource attributes and the log stream name. */
  kubernetes: { podName?: string; namespace?: string; nodeName?: string };
  otel: {
    enabled: boolean;
    /** Head mode only: OTEL_TRACES_SAMPLER and, for the ratio samplers, OTEL_TRACES_SAMPLER_ARG; unset: parent-based always-on. */
    sampler: TraceSampler | undefined;
    /** OTEL_PROPAGATORS, in order (a later find wins): the trace headers read from callers and written out. */
    propagators: Propagator[];
    /** OTEL_LOG_LEVEL: how much of the SDK's own messages reach the log (warn unless set). */
    logLevel: OtelLogLevel;
  };
  /** Which requests' traces are kept, for OpenTelemetry and X-Ray alike (TRACES_SAMPLING). */
  sampling: TraceSampling;
  /** Where an error report links to its trace (Rollbar items carry both). */
  links: TraceLinks;
  xray: {
    enabled: boolean;
    /** `host:port` (or `udp:host:port tcp:host:port`) of the X-Ray daemon. */
    daemonAddress: string;
    segmentName: string;
    /** Poll sampling rules through the daemon's TCP port; local rules apply when it is unreachable. */
    centralizedSampling: boolean;
    /** Local rules from XRAY_SAMPLING_RULES (a JSON file) instead of the shipped ones. */
    samplingRules: SamplingRules | undefined;
  };
  rollbar: { accessToken: string | undefined; endpoint: string | undefined };
  cloudwatch: {
    logGroup: string | undefined;
    logStream: string;
    region: string | undefined;
    endpoint: string | undefined;
    /** How often buffered log events are sent. */
    flushIntervalMs: number;
  };
}

/**
 * `request-end` (the default): one decision per request when it ends (telemetry/sampling/keep-policy.ts).
 * `head`: the sampler and X-Ray rules decide when the request starts, as before; kept for one release to compare.
 */
export type TraceSampling = ({ mode: 'request-end' } & RequestSamplingConfig) | { mode: 'head' };

export interface TraceLinks {
  /** https://ui.honeycomb.io/<team>/environments/<environment>/datasets/<dataset>, when HONEYCOMB_TEAM is set. */
  honeycombDataset: string | undefined;
  /** The region whose X-Ray console shows the traces (AWS_REGION). */
  xrayRegion: string | undefined;
}

export interface TraceSampler {
  name: (typeof TRACE_SAMPLERS)[number];
  /** The share of root traces kept by the ratio samplers (1 when OTEL_TRACES_SAMPLER_ARG is unset). */
  ratio: number;
}

/** The X-Ray SDK's local sampling rules document (version 2). */
export interface SamplingRules {
  version: number;
  default: { fixed_target: number; rate: number };
  rules?: { description?: string; host: string; http_method: string; url_path: string; fixed_target: number; rate: number }[];
}

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Collects values and problems; each reader returns the default when it records a problem. */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      return this.invalid(name, value, `an integer from ${min} to ${max}`, fallback);
    }
    return Number(value);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const match = allowed.find((option) => option === value.toLowerCase());
    return match ?? this.invalid(name, value, `one of ${allowed.join(', ')}`, fallback);
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    return this.invalid(name, value, 'true or false', fallback);
  }

  /** A number from 0 to 1, such as a sampling ratio, in any form JavaScript reads (`.5`, `1e-3`). */
  fraction(name: string, fallback: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const number = Number(value);
    return number >= 0 && number <= 1 ? number : this.invalid(name, value, 'a number from 0 to 1', fallback);
  }

  /** A rate: a number of events a second, 0 or more, fractions allowed (0.5 is one every two seconds). */
  rate(name: string, fallback: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const number = Number(value);
    return Number.isFinite(number) && number >= 0 ? number : this.invalid(name, value, 'a number of events a second, 0 or more', fallback);
  }

  /** An http(s) URL; returns it normalised, or undefined when unset and no fallback is given. */
  url(name: string, fallback?: string): string | undefined {
    const value = this.raw(name) ?? fallback;
    if (value === undefined) return undefined;
    try {
      const url = new URL(value);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.href;
    } catch {
      // reported below
    }
    this.invalid(name, value, 'an http:// or https:// URL', undefined);
  }

  /** A size such as 100kb, 1mb or a number of bytes. */
  bytes(name: string, fallback: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(value);
    const units: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };
    const size = match ? Number(match[1]) * (units[(match[2] ?? 'b').toLowerCase()] ?? 1) : NaN;
    if (!(size >= 1 && size <= max)) {
      return this.invalid(name, value, `a size from 1 byte to ${max / 1024 / 1024}mb (e.g. 100kb)`, fallback);
    }
    return size;
  }

  invalid<T>(name: string, value: string, expected: string, fallback: T): T {
    this.problems.push(`${name} must be ${expected} (got ${JSON.stringify(truncate(value))})`);
    return fallback;
  }
}

const HOST_PORT = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):\d{1,5}$/;

/** The X-Ray SDK throws at load on a bad daemon address, so it is checked here first. */
function isDaemonAddress(value: string): boolean {
  const parts = value.split(/\s+/);
  if (parts.length === 1) return HOST_PORT.test(value);
  const byProtocol = new Map(parts.map((part) => [part.slice(0, 4), part.slice(4)]));
  return (
    parts.length === 2 &&
    HOST_PORT.test(byProtocol.get('udp:') ?? '') &&
    HOST_PORT.test(byProtocol.get('tcp:') ?? '')
  );
}

function readTelemetry(read: EnvReader): TelemetryConfig {
  const serviceName = read.string('OTEL_SERVICE_NAME', 'cruddur-backend');
  const podName = read.raw('K8S_POD_NAME');
  const daemonAddress = read.string('AWS_XRAY_DAEMON_ADDRESS', '127.0.0.1:2000');
  if (!isDaemonAddress(daemonAddress)) {
    read.invalid('AWS_XRAY_DAEMON_ADDRESS', daemonAddress, 'host:port or "udp:host:port tcp:host:port"', undefined);
  }
  read.url('OTEL_EXPORTER_OTLP_ENDPOINT');
  read.url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const logGroup = read.raw('CLOUDWATCH_LOG_GROUP');
  if (logGroup !== undefined && !/^[.\-_/#A-Za-z0-9]{1,512}$/.test(logGroup)) {
    read.invalid('CLOUDWATCH_LOG_GROUP', logGroup, 'a log group name (letters, digits, . - _ / #)', undefined);
  }
  const logStream = read.string('CLOUDWATCH_LOG_STREAM', `${podName ?? hostname()}/${process.pid}`);
  if (!/^[^:*]{1,512}$/.test(logStream)) {
    read.invalid('CLOUDWATCH_LOG_STREAM', logStream, 'a log stream name (no : or *)', undefined);
  }
  const region = read.raw('AWS_REGION') ?? read.raw('AWS_DEFAULT_REGION');
  const otelEnabled = !read.boolean('OTEL_SDK_DISABLED', false);
  if (logGroup !== undefined && region === undefined) {
    read.problems.push('AWS_REGION must be set when CLOUDWATCH_LOG_GROUP is set');
  }
  const gitSha = read.raw('GIT_SHA');
  const sampling = readSampling(read, otelEnabled);
  const centralizedSampling = read.boolean('XRAY_CENTRALIZED_SAMPLING', false);
  // The X-Ray SDK polls the rules itself, and cannot parse an IPv6 literal; segments go through the service's socket.
  if (centralizedSampling && sampling.mode === 'head' && daemonAddress.includes('[')) {
    read.problems.push('AWS_XRAY_DAEMON_ADDRESS must name the daemon by host name or IPv4 with XRAY_CENTRALIZED_SAMPLING=true: the X-Ray SDK polls the rules over TCP and cannot parse an IPv6 literal');
  }
  return {
    serviceName,
    serviceVersion: deployVersion(packageVersion(), gitSha),
    gitSha,
    kubernetes: { podName, namespace: read.raw('K8S_NAMESPACE_NAME'), nodeName: read.raw('K8S_NODE_NAME') },
    otel: {
      enabled: otelEnabled,
      sampler: otelEnabled && sampling.mode === 'head' ? readTraceSampler(read) : undefined,
      propagators: readPropagators(read),
      logLevel: read.oneOf('OTEL_LOG_LEVEL', OTEL_LOG_LEVELS, 'warn'),
    },
    sampling,
    links: { honeycombDataset: readHoneycombDataset(read, serviceName), xrayRegion: region },
    xray: {
      enabled: read.boolean('XRAY_ENABLED', true),
      daemonAddress,
      segmentName: read.string('AWS_XRAY_TRACING_NAME', serviceName),
      centralizedSampling,
      samplingRules: readSamplingRules(read),
    },
    rollbar: { accessToken: read.raw('ROLLBAR_ACCESS_TOKEN'), endpoint: read.url('ROLLBAR_ENDPOINT') },
    cloudwatch: {
      logGroup,
      logStream,
      region,
      endpoint: read.url('CLOUDWATCH_ENDPOINT'),
      flushIntervalMs: read.integer('CLOUDWATCH_FLUSH_INTERVAL_MS', 1_000, 100, 600_000),
    },
  };
}

/**
 * OTEL_PROPAGATORS, honoured in its order; the default puts xray last so that an ALB's or AWS SDK's header wins
 * over traceparent. The SDK would warn about a name it lacks (b3, jaeger, ottrace) and go on without it: here a
 * name this service does not ship stops the start, and so does `none`, since a request's trace id comes from these.
 */
function readPropagators(read: EnvReader): Propagator[] {
  const value = read.raw('OTEL_PROPAGATORS');
  if (value === undefined) return [...PROPAGATORS];
  const names = value.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  const unknown = names.filter((name) => !PROPAGATORS.includes(name as Propagator));
  if (names.length === 0 || unknown.length > 0) {
    return read.invalid('OTEL_PROPAGATORS', value, `a comma list of ${PROPAGATORS.join(', ')} (the propagators this service ships)`, [...PROPAGATORS]);
  }
  return [...new Set(names as Propagator[])];
}

const SAMPLING_MODES = ['request-end', 'head'] as const;

function readSampling(read: EnvReader, otelEnabled: boolean): TraceSampling {
  const mode = read.oneOf('TRACES_SAMPLING', SAMPLING_MODES, 'request-end');
  if (mode === 'head') return { mode };
  const sampling = {
    mode,
    share: read.fraction('TRACES_KEEP_SHARE', 1),
    slowMs: read.integer('TRACES_KEEP_SLOWER_THAN_MS', 1_000, 1, 3_600_000),
    callerKeepsPerSecond: read.rate('TRACES_CALLER_KEEPS_PER_SECOND', 1),
  };
  if (!otelEnabled) return sampling;
  // OTEL_TRACES_SAMPLER decides when a request starts; with the decision at its end, it would be ignored.
  const headSampler = read.raw('OTEL_TRACES_SAMPLER');
  if (headSampler !== undefined && !['always_on', 'parentbased_always_on'].includes(headSampler.toLowerCase())) {
    read.problems.push(
      `OTEL_TRACES_SAMPLER (${JSON.stringify(truncate(headSampler))}) applies only with TRACES_SAMPLING=head: unset it and set TRACES_KEEP_SHARE`,
    );
  }
  // The spans wait in the service for their request's decision: only the exporter built for that is wired so.
  const exporter = read.raw('OTEL_TRACES_EXPORTER') ?? 'otlp';
  const protocol = read.raw('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? read.raw('OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/protobuf';
  if (exporter !== 'otlp' || protocol !== 'http/protobuf') {
    read.problems.push(
      `TRACES_SAMPLING=request-end exports over OTLP http/protobuf only (got OTEL_TRACES_EXPORTER=${exporter}, protocol ${protocol}): use TRACES_SAMPLING=head for another exporter`,
    );
  }
  return sampling;
}

/** The dataset's page in Honeycomb's UI, the base of every trace link; make smoke builds the same. */
function readHoneycombDataset(read: EnvReader, serviceName: string): string | undefined {
  const team = read.raw('HONEYCOMB_TEAM');
  if (team === undefined) return undefined;
  const ui = read.oneOf('HONEYCOMB_REGION', ['us', 'eu'] as const, 'us') === 'eu' ? 'https://ui.eu1.honeycomb.io' : 'https://ui.honeycomb.io';
  const environment = read.raw('HONEYCOMB_ENVIRONMENT');
  if (environment === undefined) {
    read.problems.push('HONEYCOMB_ENVIRONMENT must be set when HONEYCOMB_TEAM is set (the environment in trace links)');
    return undefined;
  }
  const dataset = read.string('HONEYCOMB_DATASET', serviceName);
  return `${ui}/${encodeURIComponent(team)}/environments/${encodeURIComponent(environment)}/datasets/${encodeURIComponent(dataset)}`;
}

/** OpenTelemetry's sampler. Its SDK would log an unknown name or ratio and sample everything; here it stops the start. */
function readTraceSampler(read: EnvReader): TraceSampler | undefined {
  if (read.raw('OTEL_TRACES_SAMPLER') === undefined) return undefined;
  const name = read.oneOf('OTEL_TRACES_SAMPLER', TRACE_SAMPLERS, 'parentbased_always_on');
  return { name, ratio: name.endsWith('traceidratio') ? read.fraction('OTEL_TRACES_SAMPLER_ARG', 1) : 1 };
}

function readSamplingRules(read: EnvReader): SamplingRules | undefined {
  const file = read.raw('XRAY_SAMPLING_RULES');
  if (file === undefined) return undefined;
  try {
    const rules = JSON.parse(readFileSync(file, 'utf8')) as Partial<SamplingRules>;
    if (typeof rules.version === 'number' && typeof rules.default?.rate === 'number') return rules as SamplingRules;
  } catch {
    // reported below
  }
  read.invalid('XRAY_SAMPLING_RULES', file, 'a readable X-Ray sampling rules JSON file (version, default, rules)', undefined);
}

/** The version in package.json, which sits two levels above the compiled file in the image and in a checkout. */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 61)}...` : value;
}

export function loadConfig(env: Env = process.env): Config {
  const read = new EnvReader(env);
  const frontendUrl = read.url('FRONTEND_URL', 'http://localhost:3000');
  const backendUrl = read.url('BACKEND_URL', 'http://localhost:4567');
  const config: Config = {
    port: read.integer('PORT', 4567, 0, 65535),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    logFormat: read.oneOf('LOG_FORMAT', ['json', 'pretty'] as const, 'json'),
    corsOrigins: [frontendUrl, backendUrl].filter((url) => url !== undefined).map((url) => new URL(url).origin),
    bodyLimitBytes: read.bytes('BODY_LIMIT', 100 * 1024, 10 * 1024 * 1024),
    drainTimeoutMs: read.integer('DRAIN_TIMEOUT_MS', 10_000, 0, 600_000),
    shutdownTimeoutMs: read.integer('SHUTDOWN_TIMEOUT_MS', 25_000, 1_000, 600_000),
    keepAliveTimeoutMs: read.integer('KEEP_ALIVE_TIMEOUT_MS', 65_000, 1_000, 3_600_000),
    environment: read.string('DEPLOYMENT_ENVIRONMENT', 'development'),
    debugRoutes: read.boolean('DEBUG_ROUTES', false),
    telemetry: readTelemetry(read),
  };
  if (config.drainTimeoutMs >= config.shutdownTimeoutMs) {
    read.problems.push(
      `DRAIN_TIMEOUT_MS (${config.drainTimeoutMs}) must be less than SHUTDOWN_TIMEOUT_MS (${config.shutdownTimeoutMs}) to leave time for flushing telemetry`,
    );
  }
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}
