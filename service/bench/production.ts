/**
 * What the chart gives the service in production, so the benchmark measures the process as it is deployed.
 * service/test/deploy/bench-production.test.ts renders the chart and checks that these still match it.
 */

/**
 * The heap caps of the chart's ConfigMap (config.maxOldSpaceSizeMb, config.maxSemiSpaceSizeMb), given to every
 * variant of the service: they trade some CPU under heavy load (more frequent collections) for a bounded RSS.
 */
export const PRODUCTION_NODE_OPTIONS = '--max-old-space-size=256 --max-semi-space-size=8';

/**
 * The production sampling the benchmark measures as variant (d): what the chart's eks profile
 * (charts/cruddur-backend/ci/eks-values.yaml) sets. Every request is recorded and decided when it ends: failed
 * and slow ones kept whole, 1 in 10 of the rest, one caller-forced keep a second (the load sends no trace header).
 */
export const PRODUCTION_SAMPLING: Readonly<Record<string, string>> = {
  TRACES_SAMPLING: 'request-end',
  TRACES_KEEP_SHARE: '0.1',
  TRACES_KEEP_SLOWER_THAN_MS: '1000',
  TRACES_CALLER_KEEPS_PER_SECOND: '1',
};

/**
 * The previous release's production sampling, measured as variant (dh) for this release only, so that the cost of
 * deciding at request end is a ratio within one run. OpenTelemetry kept 10% of the traces that start here
 * (parent-based), and X-Ray applied its shipped rules (xray-sampling-rules.json: 5 a second, then 10%) to those.
 */
export const HEAD_SAMPLING: Readonly<Record<string, string>> = {
  TRACES_SAMPLING: 'head',
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: '0.1',
};
