import { expect } from 'chai';

import { env, find, helmTemplate, hookJob, type JobSpec, podSpec, render } from './render';

const JOB = 'cruddur-backend-observability';

const hook = hookJob(JOB, 'observabilityAsCode');
const { job, container: hookContainer } = hook;
/** The hook on, with the log group its default systems (xray, cloudwatch) need: the chart's default has none. */
const enabled = (values: Record<string, unknown> = {}) => ({ ...hook.enabled(values), telemetry: { cloudwatchLogGroup: 'cruddur' } });

describe('the observability-as-code hook Job', () => {
  it('is not rendered by default, nor on the kind profile', () => {
    expect(render().some((o) => o.kind === 'Job' && o.metadata.name === JOB)).to.equal(false);
    expect(render({ profile: 'kind' }).some((o) => o.kind === 'Job' && o.metadata.name === JOB)).to.equal(false);
  });

  it('runs after install and upgrade as a Helm hook, replaced before each run and deleted when it succeeds', () => {
    expect(job(render({ values: enabled() })).metadata.annotations).to.include({
      'helm.sh/hook': 'post-install,post-upgrade',
      'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
      'helm.sh/hook-weight': '10',
    });
  });

  it('runs the CLI from the app image with apply --only and the default systems xray,cloudwatch', () => {
    const c = hookContainer(render({ values: enabled() }));
    expect(c.image).to.equal(podSpec(find(render(), 'Deployment')).containers[0]?.image);
    expect(c.command).to.deep.equal(['node', '--enable-source-maps', 'dist/src/observability/cli.js', 'apply', '--tolerate-outage', '--only', 'xray,cloudwatch']);
  });

  it('lets the release go on when the APIs are down (--tolerate-outage) and shows its log in helm output', () => {
    const objects = render({ values: enabled() });
    expect(hookContainer(objects).command).to.include('--tolerate-outage');
    expect(job(objects).metadata.annotations).to.include({ 'helm.sh/hook-output-log-policy': 'hook-succeeded,hook-failed' });
  });

  it("fails at once, without another pod, on the CLI's verdicts: 1 refused and 2 invalid", () => {
    const spec = job(render({ values: enabled() })).spec as { podFailurePolicy: { rules: { action: string; onExitCodes: { values: number[] } }[] } };
    expect(spec.podFailurePolicy.rules).to.deep.include.members([
      { action: 'FailJob', onExitCodes: { containerName: 'observability', operator: 'In', values: [1, 2] }, onPodConditions: [] },
    ]);
  });

  it('passes the configured systems to --only, comma-joined in their order', () => {
    const c = hookContainer(render({ values: enabled({ systems: ['cloudwatch', 'honeycomb'] }) }));
    expect(c.command?.slice(-2)).to.deep.equal(['--only', 'cloudwatch,honeycomb']);
  });

  it('reads its settings from the app ConfigMap, so the names match the service exactly', () => {
    const objects = render({ values: enabled() });
    expect(hookContainer(objects).envFrom).to.deep.equal([{ configMapRef: { name: 'cruddur-backend' } }]);
    expect(find(objects, 'ConfigMap', 'cruddur-backend').data).to.include.keys('OTEL_SERVICE_NAME', 'AWS_XRAY_TRACING_NAME', 'CLOUDWATCH_LOG_GROUP', 'AWS_REGION');
  });

  it('requires HONEYCOMB_CONFIGURATION_KEY from the Secret (not optional) when honeycomb is among the systems', () => {
    const c = hookContainer(render({ values: enabled({ systems: ['honeycomb', 'xray'] }) }));
    expect(env(c, 'HONEYCOMB_CONFIGURATION_KEY')?.valueFrom?.secretKeyRef).to.deep.equal({
      name: 'cruddur-backend',
      key: 'HONEYCOMB_CONFIGURATION_KEY',
      optional: false,
    });
  });

  it('does not reference HONEYCOMB_CONFIGURATION_KEY when honeycomb is not among the systems', () => {
    const c = hookContainer(render({ values: enabled({ systems: ['xray', 'cloudwatch'] }) }));
    expect(env(c, 'HONEYCOMB_CONFIGURATION_KEY')).to.equal(undefined);
    expect(env(c, 'HONEYCOMB_API_URL')).to.equal(undefined);
  });

  it('derives HONEYCOMB_API_URL from collector.honeycomb.region unless honeycombApiUrl is set', () => {
    const url = (values: Record<string, unknown>) => env(hookContainer(render({ values })), 'HONEYCOMB_API_URL')?.value;
    expect(url(enabled({ systems: ['honeycomb'] }))).to.equal('https://api.honeycomb.io');
    expect(url({ ...enabled({ systems: ['honeycomb'] }), collector: { honeycomb: { region: 'eu' } } })).to.equal('https://api.eu1.honeycomb.io');
    expect(url(enabled({ systems: ['honeycomb'], honeycombApiUrl: 'https://honeycomb.internal.example' }))).to.equal('https://honeycomb.internal.example');
  });

  it('reads AWS keys from the Secret only with aws.credentialsFromSecret, never on the eks profile', () => {
    const kind = hookContainer(render({ profile: 'kind', values: enabled({ systems: ['xray'] }) }));
    expect(env(kind, 'AWS_ACCESS_KEY_ID')?.valueFrom?.secretKeyRef?.name).to.equal('cruddur-backend-secrets');
    expect(env(kind, 'AWS_SECRET_ACCESS_KEY')?.valueFrom?.secretKeyRef?.name).to.equal('cruddur-backend-secrets');
    const eks = hookContainer(render({ profile: 'eks' }));
    expect((eks.env ?? []).map((e) => e.name)).not.to.include('AWS_ACCESS_KEY_ID');
  });

  it("takes the app's config.extraEnv, so endpoints set for the app (CLOUDWATCH_ENDPOINT, XRAY_ENDPOINT) hold for the hook", () => {
    const extraEnv = [{ name: 'XRAY_ENDPOINT', value: 'https://xray.vpce.example' }];
    const c = hookContainer(render({ values: { ...enabled({ systems: ['xray'] }), config: { extraEnv } } }));
    expect(env(c, 'XRAY_ENDPOINT')?.value).to.equal('https://xray.vpce.example');
  });

  it('runs non-root, read-only, without capabilities or privilege escalation, under the RuntimeDefault seccomp profile', () => {
    const objects = render({ values: enabled() });
    const spec = podSpec(job(objects));
    expect(spec.securityContext?.runAsNonRoot).to.equal(true);
    expect(spec.securityContext?.seccompProfile?.type).to.equal('RuntimeDefault');
    expect(hookContainer(objects).securityContext).to.include({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true });
    expect(hookContainer(objects).securityContext?.capabilities?.drop).to.deep.equal(['ALL']);
  });

  it('never restarts in place, retries at most backoffLimit times and stops at activeDeadlineSeconds', () => {
    const spec = job(render({ values: enabled({ backoffLimit: 0, activeDeadlineSeconds: 120 }) })).spec as JobSpec;
    expect(spec.template.spec.restartPolicy).to.equal('Never');
    expect(spec.backoffLimit).to.equal(0);
    expect(spec.activeDeadlineSeconds).to.equal(120);
  });

  it('is labelled component observability, so the app NetworkPolicy does not select it and its own allows DNS and 443 only', () => {
    const objects = render({ values: { ...enabled(), networkPolicy: { enabled: true } } });
    expect((job(objects).spec as JobSpec).template.metadata.labels).to.include({ 'app.kubernetes.io/component': 'observability' });
    const policy = find(objects, 'NetworkPolicy', JOB).spec as {
      podSelector: { matchLabels: Record<string, string> };
      ingress?: unknown[];
      egress: { ports: { port: number; protocol: string }[] }[];
    };
    expect(policy.podSelector.matchLabels).to.include({ 'app.kubernetes.io/component': 'observability' });
    expect(policy.ingress).to.equal(undefined);
    expect(policy.egress.map((rule) => rule.ports.map((p) => `${p.protocol}/${p.port}`).join(','))).to.deep.equal(['UDP/53,TCP/53', 'TCP/443']);
  });

  it('is enabled on the eks profile with honeycomb, xray and cloudwatch', () => {
    expect(hookContainer(render({ profile: 'eks' })).command?.at(-1)).to.equal('honeycomb,xray,cloudwatch');
  });

  it('refuses cloudwatch among the systems when telemetry.cloudwatchLogGroup is empty', () => {
    expect(() => render({ values: { ...enabled(), telemetry: { cloudwatchLogGroup: '' } } })).to.throw(/cloudwatchLogGroup/);
  });

  it('is refused by the schema for an unknown system, naming where it is', () => {
    const result = helmTemplate({ values: enabled({ systems: ['xray', 'datadog'] }) });
    expect(result.status).to.not.equal(0);
    expect(result.stderr).to.include('/observabilityAsCode/systems/1');
  });

  it('is refused by the schema for a repeated system or an empty list of systems', () => {
    expect(helmTemplate({ values: enabled({ systems: ['xray', 'xray'] }) }).stderr).to.include('/observabilityAsCode/systems');
    expect(helmTemplate({ values: enabled({ systems: [] }) }).stderr).to.include('/observabilityAsCode/systems');
  });

  it('takes HONEYCOMB_CONFIGURATION_KEY as a chart-created Secret value', () => {
    const secret = find(render({ values: { secrets: { values: { HONEYCOMB_CONFIGURATION_KEY: 'config-key' } } } }), 'Secret');
    expect(secret.data).to.deep.equal({ HONEYCOMB_CONFIGURATION_KEY: Buffer.from('config-key').toString('base64') });
  });
});
