import { expect } from 'chai';

import { env, find, helmTemplate, hookJob, type JobSpec, podSpec, render } from './render';

const JOB = 'cruddur-backend-deploy-marker';

const { enabled, job, container: markerContainer } = hookJob(JOB, 'deployMarker');

describe('the deploy marker hook Job', () => {
  it('is not rendered by default', () => {
    expect(render().some((o) => o.metadata.name === JOB)).to.equal(false);
  });

  it('is rendered on the kind and eks profiles', () => {
    expect(job(render({ profile: 'kind' })).kind).to.equal('Job');
    expect(job(render({ profile: 'eks' })).kind).to.equal('Job');
  });

  it('runs after install and upgrade, before the observability-as-code Job, and is deleted when it succeeds', () => {
    expect(job(render({ values: enabled() })).metadata.annotations).to.include({
      'helm.sh/hook': 'post-install,post-upgrade',
      'helm.sh/hook-weight': '5',
      'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
    });
  });

  it("has helm print the Job's log, so the rollout's output says whether a marker was made", () => {
    expect(job(render({ values: enabled() })).metadata.annotations).to.include({ 'helm.sh/hook-output-log-policy': 'hook-succeeded,hook-failed' });
  });

  it('runs the CLI from the app image with marker --best-effort, so no answer of Honeycomb fails the release', () => {
    const c = markerContainer(render({ values: enabled() }));
    expect(c.image).to.equal(podSpec(find(render(), 'Deployment')).containers[0]?.image);
    expect(c.command).to.deep.equal(['node', '--enable-source-maps', 'dist/src/observability/cli.js', 'marker', '--best-effort']);
  });

  it('reads HONEYCOMB_CONFIGURATION_KEY from the Secret as optional: a missing key is a message, not a pod that cannot start', () => {
    const c = markerContainer(render({ values: enabled() }));
    expect(env(c, 'HONEYCOMB_CONFIGURATION_KEY')?.valueFrom?.secretKeyRef).to.deep.equal({
      name: 'cruddur-backend',
      key: 'HONEYCOMB_CONFIGURATION_KEY',
      optional: true,
    });
  });

  it('reads the service name from the app ConfigMap, so the marker lands in the dataset of the traces', () => {
    expect(markerContainer(render({ values: enabled() })).envFrom).to.deep.equal([{ configMapRef: { name: 'cruddur-backend' } }]);
  });

  it("links the marker to the chart's source repository unless sourceUrl is set", () => {
    const url = (values: Record<string, unknown>) => env(markerContainer(render({ values: enabled(values) })), 'SOURCE_REPOSITORY_URL')?.value;
    expect(url({})).to.equal('https://github.com/cruddur/cruddur-backend');
    expect(url({ sourceUrl: 'https://git.example.com/cruddur' })).to.equal('https://git.example.com/cruddur');
  });

  it("takes the app's config.extraEnv, like the app container", () => {
    const extraEnv = [{ name: 'NODE_EXTRA_CA_CERTS', value: '/etc/ssl/proxy-ca.pem' }];
    expect(env(markerContainer(render({ values: { ...enabled(), config: { extraEnv } } })), 'NODE_EXTRA_CA_CERTS')?.value).to.equal('/etc/ssl/proxy-ca.pem');
  });

  it('calls the Honeycomb API of collector.honeycomb.region', () => {
    const objects = render({ values: { ...enabled(), collector: { honeycomb: { region: 'eu' } } } });
    expect(env(markerContainer(objects), 'HONEYCOMB_API_URL')?.value).to.equal('https://api.eu1.honeycomb.io');
  });

  it('tries once, stops at activeDeadlineSeconds and never restarts in place', () => {
    const spec = job(render({ values: enabled({ activeDeadlineSeconds: 90 }) })).spec as JobSpec;
    expect(spec.backoffLimit).to.equal(0);
    expect(spec.activeDeadlineSeconds).to.equal(90);
    expect(spec.template.spec.restartPolicy).to.equal('Never');
  });

  it('mounts no ServiceAccount token: it calls neither Kubernetes nor AWS', () => {
    const spec = job(render({ profile: 'eks' })).spec as JobSpec;
    expect(spec.template.spec.automountServiceAccountToken).to.equal(false);
    expect(podSpec(job(render({ profile: 'eks' }))).serviceAccountName).to.equal(undefined);
  });

  it('is selected by the hooks NetworkPolicy (DNS and 443 only), even without observabilityAsCode', () => {
    const objects = render({ values: { ...enabled(), networkPolicy: { enabled: true } } });
    expect((job(objects).spec as JobSpec).template.metadata.labels).to.include({ 'app.kubernetes.io/component': 'observability' });
    const policy = find(objects, 'NetworkPolicy', 'cruddur-backend-observability').spec as { podSelector: { matchLabels: Record<string, string> } };
    expect(policy.podSelector.matchLabels).to.include({ 'app.kubernetes.io/component': 'observability' });
  });

  it('is refused by the schema for an unknown key, a deadline under a minute or a sourceUrl that is not a URL', () => {
    expect(helmTemplate({ values: enabled({ enable: true }) }).stderr).to.include('/deployMarker');
    expect(helmTemplate({ values: enabled({ activeDeadlineSeconds: 10 }) }).stderr).to.include('/deployMarker/activeDeadlineSeconds');
    expect(helmTemplate({ values: enabled({ sourceUrl: 'github.com/cruddur' }) }).stderr).to.include('/deployMarker/sourceUrl');
  });
});
