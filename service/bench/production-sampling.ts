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
