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
 * The production sampling defaults the benchmark measures as variant (d): what the chart's eks profile
 * (charts/cruddur-backend/ci/eks-values.yaml) sets.
 *
 * OpenTelemetry decides first: it keeps 10% of the traces that start here and follows the caller's decision
 * otherwise (parent-based). X-Ray then applies its shipped rules (service/src/telemetry/xray-sampling-rules.json:
 * 5 a second, then 10%) to the requests OpenTelemetry kept, so every request recorded in X-Ray is also in the
 * OpenTelemetry data.
 */
export const PRODUCTION_SAMPLING: Readonly<Record<string, string>> = {
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: '0.1',
};
