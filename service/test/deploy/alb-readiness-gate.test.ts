import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

import { installDryRun, namespace } from './fake-kube-api';
import { repoRoot } from './render';

/**
 * Rollouts behind the ALB: with IP targets a new pod is Ready before the ALB has health-checked it, unless the AWS Load
 * Balancer Controller injects its readiness gate, which it does in namespaces labelled as below.
 */
const LABEL = 'elbv2.k8s.aws/pod-readiness-gate-inject';
const WARNING = `has no label ${LABEL}=enabled`;

describe('the ALB readiness gate', () => {
  describe("the chart's notes", () => {
    it('warn, with the commands to run, when the namespace lacks the label and the ALB targets pod IPs', async () => {
      const result = await installDryRun({ profile: 'eks', cluster: [namespace()] });
      expect(result.status, result.stderr).to.equal(0);
      expect(result.stdout).to.include(WARNING);
      expect(result.stdout).to.include(`kubectl label namespace cruddur ${LABEL}=enabled`);
    });

    it('say nothing of it when the namespace has the label', async () => {
      const result = await installDryRun({ profile: 'eks', cluster: [namespace({ [LABEL]: 'enabled' })] });
      expect(result.status, result.stderr).to.equal(0);
      expect(result.stdout).not.to.include(WARNING);
    });

    it('say nothing of it when lookup finds no namespace (helm template, dry runs, a namespace the install creates)', async () => {
      const result = await installDryRun({ profile: 'eks', cluster: [] });
      expect(result.status, result.stderr).to.equal(0);
      expect(result.stdout).to.include('NOTES:');
      expect(result.stdout).not.to.include(WARNING);
    });

    it('say nothing of it when the ALB targets instances, where the gate does not apply', async () => {
      const values = { ingress: { annotations: { 'alb.ingress.kubernetes.io/target-type': 'instance' } } };
      const result = await installDryRun({ profile: 'eks', values, cluster: [namespace()] });
      expect(result.status, result.stderr).to.equal(0);
      expect(result.stdout).not.to.include(WARNING);
    });
  });

  describe("skaffold's eks profile", () => {
    interface Profile {
      name: string;
      patches: { op: string; path: string; value?: unknown }[];
    }
    const profile = (parse(readFileSync(path.join(repoRoot, 'skaffold.yaml'), 'utf8')) as { profiles: Profile[] }).profiles.find((p) => p.name === 'eks');
    const patch = (at: string) => profile?.patches.find((p) => p.path === at)?.value;
    const hook = (patch('/deploy/helm/hooks') as { before?: { host?: { command: string[] } }[] } | undefined)?.before?.[0]?.host?.command ?? [];
    const script = path.join(repoRoot, hook[1] ?? 'missing');

    /** Runs the hook's script with a kubectl stand-in that knows one namespace with the given labels, or none. */
    function check(labels: Record<string, string> | undefined) {
      const dir = mkdtempSync(path.join(tmpdir(), 'check-namespace-'));
      try {
        const kubectl = path.join(dir, 'kubectl');
        const answer = labels === undefined ? 'echo \'Error from server (NotFound): namespaces "cruddur" not found\' >&2; exit 1' : `printf '%s' '${JSON.stringify(labels)}'`;
        writeFileSync(kubectl, `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> "${dir}/args.log"\n${answer}\n`);
        chmodSync(kubectl, 0o755);
        const result = spawnSync('bash', [script, ...hook.slice(2)], { encoding: 'utf8', env: { PATH: process.env.PATH, KUBECTL: kubectl, SKAFFOLD_KUBE_CONTEXT: 'arn:aws:eks:us-east-1:123456789012:cluster/cruddur' } });
        return { ...result, args: existsSync(path.join(dir, 'args.log')) ? readFileSync(path.join(dir, 'args.log'), 'utf8') : '' };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }

    it("checks the release's namespace before every deploy, in skaffold's kube context", () => {
      expect(hook.slice(0, 2)).to.deep.equal(['bash', 'k8s/eks/check-namespace.sh']);
      expect(existsSync(script)).to.equal(true);
      expect(hook.slice(2)).to.deep.equal([patch('/deploy/helm/releases/0/namespace')]);
      expect(check({ [LABEL]: 'enabled' }).args).to.include('--context arn:aws:eks:us-east-1:123456789012:cluster/cruddur get namespace cruddur');
    });

    it('fails, naming the label and the command to run, when the namespace lacks it', () => {
      const result = check({ 'kubernetes.io/metadata.name': 'cruddur' });
      expect(result.status).to.equal(1);
      expect(result.stderr).to.include(`kubectl --context arn:aws:eks:us-east-1:123456789012:cluster/cruddur label namespace cruddur ${LABEL}=enabled`);
    });

    it('fails, saying to create and label it, when the namespace does not exist', () => {
      const result = check(undefined);
      expect(result.status).to.equal(1);
      expect(result.stderr).to.include('create namespace cruddur');
    });

    it('lets the deploy go on when the namespace has the label', () => {
      const result = check({ [LABEL]: 'enabled' });
      expect(result.status, result.stderr).to.equal(0);
    });
  });
});
