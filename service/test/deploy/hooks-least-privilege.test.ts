import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { find, podSpec, render, repoRoot } from './render';

/**
 * Least privilege on EKS: the app's IAM role allows what the service calls at run time, and only the
 * observability-as-code hook, through a ServiceAccount of its own, may change X-Ray and CloudWatch Logs settings.
 */
interface Statement {
  Action: string | string[];
  Condition?: { StringEquals?: Record<string, string> };
}
const iamDir = path.join(repoRoot, 'k8s/eks/iam');
const statements = (file: string) => (JSON.parse(readFileSync(path.join(iamDir, file), 'utf8')) as { Statement: Statement[] }).Statement;
const actions = (file: string) => new Set(statements(file).flatMap((s) => s.Action));
/** The TypeScript sources of a folder, joined. */
const sources = (dir: string) =>
  readdirSync(path.join(repoRoot, dir))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => readFileSync(path.join(repoRoot, dir, file), 'utf8'))
    .join('\n');
const ROLE = 'eks.amazonaws.com/role-arn';
const HOOK = 'cruddur-backend-observability';
const eks = () => render({ profile: 'eks', extraArgs: ['-f', path.join(repoRoot, 'k8s/values-eks.yaml')] });

describe('least privilege for the hooks on EKS', () => {
  it("grants the app's role only CloudWatch Logs calls the service's transport makes", () => {
    // The transport's calls, as AWS SDK v3 commands: new PutLogEventsCommand(...) is logs:PutLogEvents.
    const called = [...readFileSync(path.join(repoRoot, 'service/src/telemetry/cloudwatch-transport.ts'), 'utf8').matchAll(/new (\w+)Command\(/g)].map(([, name]) => `logs:${String(name)}`);
    expect(called).to.include('logs:PutLogEvents');
    expect([...actions('cruddur-backend-policy.json')].filter((action) => !called.includes(action))).to.deep.equal([]);
  });

  it("gives the app's role none of the actions of the hooks' role", () => {
    const app = actions('cruddur-backend-policy.json');
    expect([...actions('cruddur-backend-hooks-policy.json')].filter((action) => app.has(action))).to.deep.equal([]);
  });

  it("grants the hooks' role every AWS call the observability-as-code CLI makes", () => {
    // Each call of the CLI goes through awsCall('<service>:<Action>', ...), which names it in its errors.
    const called = [...sources('service/src/observability').matchAll(/awsCall\('([a-z]+:\w+)'/g)].map(([, action]) => String(action));
    expect(called).to.include.members(['xray:CreateSamplingRule', 'logs:PutRetentionPolicy']);
    expect(called.filter((action) => !actions('cruddur-backend-hooks-policy.json').has(action))).to.deep.equal([]);
  });

  it('runs the observability-as-code Job as its own ServiceAccount, which carries the hooks\' role, not the app\'s', () => {
    const objects = eks();
    const job = find(objects, 'Job', HOOK);
    expect(podSpec(job).serviceAccountName).to.equal(HOOK);
    const hook = find(objects, 'ServiceAccount', HOOK);
    const app = find(objects, 'ServiceAccount', podSpec(find(objects, 'Deployment')).serviceAccountName);
    expect(hook.metadata.annotations?.[ROLE]).to.match(/:role\/cruddur-backend-hooks$/);
    expect(hook.metadata.annotations?.[ROLE]).not.to.equal(app.metadata.annotations?.[ROLE]);
  });

  it('renders the hook ServiceAccount as an ordinary release object, in place before the post-install Job starts', () => {
    expect(find(eks(), 'ServiceAccount', HOOK).metadata.annotations).not.to.have.any.keys('helm.sh/hook');
  });

  it("trusts the hooks' role to the hook ServiceAccount alone", () => {
    const [statement] = statements('cruddur-backend-hooks-trust-policy.json');
    const subject = Object.entries(statement?.Condition?.StringEquals ?? {}).find(([key]) => key.endsWith(':sub'))?.[1];
    expect(subject).to.equal(`system:serviceaccount:cruddur:${HOOK}`);
  });

  it('gives the deploy marker, which calls no AWS API, neither IAM role', () => {
    const objects = eks();
    const name = podSpec(find(objects, 'Job', 'cruddur-backend-deploy-marker')).serviceAccountName;
    const roles = objects.filter((o) => o.kind === 'ServiceAccount' && o.metadata.annotations?.[ROLE] !== undefined).map((o) => o.metadata.name);
    expect(roles).not.to.include(name ?? 'default');
  });

  it('refuses a hook IRSA role together with static keys from the Secret', () => {
    const values = { aws: { credentialsFromSecret: true }, observabilityAsCode: { enabled: true, systems: ['xray'], serviceAccount: { roleArn: 'arn:aws:iam::123456789012:role/hooks' } } };
    expect(() => render({ values })).to.throw(/credentialsFromSecret and an IRSA roleArn/);
  });
});
