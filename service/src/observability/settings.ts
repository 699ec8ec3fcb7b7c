import { ConfigError, EnvReader, loadConfig, type Env } from '../config.js';
import type { Placeholders } from './definitions.js';

/**
 * What the observability CLI needs from the environment. The names come from the service's own configuration
 * (loadConfig), so the queries, rules and log group always point at what the service emits.
 */
export interface Settings {
  names: {
    serviceName: string;
    /** The Honeycomb dataset is the service.name the traces carry. */
    dataset: string;
    /** The X-Ray segment name (AWS_XRAY_TRACING_NAME, default the service name). */
    xrayName: string;
    logGroup: string;
  };
  /** What a deploy marker says: the version the spans carry, the commit and where its source is. */
  deploy: {
    version: string;
    revision: string | undefined;
    /** The repository's web address; a commit's page is `<sourceUrl>/commit/<revision>`. */
    sourceUrl: string;
  };
  honeycomb: {
    apiUrl: string;
    /** A configuration key: ingest keys (HONEYCOMB_API_KEY, the collector's) cannot manage queries, boards or markers. */
    configurationKey: string | undefined;
  };
  aws: {
    region: string | undefined;
    /** Explicit keys from the given environment; undefined leaves the SDK's default chain (profile, IRSA...). */
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
    xrayEndpoint: string | undefined;
    cloudwatchEndpoint: string | undefined;
  };
}

/** The chart's default CLOUDWATCH_LOG_GROUP, for environments (like a laptop) that do not set it. */
export const DEFAULT_LOG_GROUP = 'cruddur';

export const HONEYCOMB_API_URL = 'https://api.honeycomb.io';

/** The image's org.opencontainers.image.source (Dockerfile) and the chart's sources. */
export const DEFAULT_SOURCE_URL = 'https://github.com/cruddur/cruddur-backend';

/** Throws ConfigError naming every invalid variable, the service's own ones included. */
export function loadSettings(env: Env): Settings {
  const { telemetry } = loadConfig(env);
  const read = new EnvReader(env);
  const accessKeyId = read.raw('AWS_ACCESS_KEY_ID');
  const secretAccessKey = read.raw('AWS_SECRET_ACCESS_KEY');
  const sessionToken = read.raw('AWS_SESSION_TOKEN');
  const settings: Settings = {
    names: {
      serviceName: telemetry.serviceName,
      dataset: telemetry.serviceName,
      xrayName: telemetry.xray.segmentName,
      logGroup: telemetry.cloudwatch.logGroup ?? DEFAULT_LOG_GROUP,
    },
    deploy: {
      version: telemetry.serviceVersion,
      revision: telemetry.gitSha,
      sourceUrl: (read.url('SOURCE_REPOSITORY_URL', DEFAULT_SOURCE_URL) ?? DEFAULT_SOURCE_URL).replace(/\/+$/, ''),
    },
    honeycomb: {
      apiUrl: (read.url('HONEYCOMB_API_URL', HONEYCOMB_API_URL) ?? HONEYCOMB_API_URL).replace(/\/+$/, ''),
      configurationKey: read.raw('HONEYCOMB_CONFIGURATION_KEY'),
    },
    aws: {
      region: telemetry.cloudwatch.region,
      credentials:
        accessKeyId !== undefined && secretAccessKey !== undefined
          ? { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) }
          : undefined,
      xrayEndpoint: read.url('XRAY_ENDPOINT'),
      cloudwatchEndpoint: telemetry.cloudwatch.endpoint,
    },
  };
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return settings;
}

/** The `${...}` placeholders of the definitions. */
export function placeholders(settings: Settings): Placeholders {
  return {
    service_name: settings.names.serviceName,
    xray_name: settings.names.xrayName,
    log_group: settings.names.logGroup,
  };
}
