import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

import { repoRoot } from './render';

interface Patch {
  op: string;
  path: string;
  value?: unknown;
}
interface SkaffoldConfig {
  apiVersion: string;
  build: { artifacts: { image: string; docker: { target: string; buildArgs: Record<string, string> } }[] };
  deploy: { helm: { releases: { chartPath: string; setValueTemplates: Record<string, string> }[] } };
  profiles: { name: string; activation: Record<string, string>[]; patches: Patch[] }[];
}

const config = parse(readFileSync(path.join(repoRoot, 'skaffold.yaml'), 'utf8')) as SkaffoldConfig;
const profile = (name: string) => {
  const found = config.profiles.find((p) => p.name === name);
  if (found === undefined) throw new Error(`no profile ${name}`);
  return found;
};

describe('skaffold.yaml', () => {
  it('injects the built image into the chart through the artifact template variables', () => {
    const artifact = config.build.artifacts[0];
    expect(config.apiVersion).to.equal('skaffold/v4beta14');
    expect(artifact?.docker.target).to.equal('prod');
    expect(artifact?.docker.buildArgs).to.have.keys(['GIT_SHA', 'VERSION']);
    // Skaffold turns / - . : in the artifact name into _ for these variables.
    const suffix = (artifact?.image ?? '').replace(/[/\-.:]/g, '_');
    expect(config.deploy.helm.releases[0]?.setValueTemplates).to.deep.equal({
      'image.repository': `{{.IMAGE_REPO_${suffix}}}`,
      'image.tag': `{{.IMAGE_TAG_${suffix}}}`,
    });
  });

  it('activates the kind profile on kind-* contexts with the kind values and the secret hook', () => {
    const kind = profile('kind');
    expect(kind.activation).to.deep.equal([{ kubeContext: 'kind-.*' }]);
    expect(JSON.stringify(kind.patches)).to.include('ci/kind-values.yaml').and.include('k8s/kind/create-secret.sh');
  });

  it('pushes and deploys the eks values in the eks profile', () => {
    const patches = profile('eks').patches;
    expect(patches).to.deep.include({ op: 'replace', path: '/build/local/push', value: true });
    expect(JSON.stringify(patches)).to.include('k8s/values-eks.yaml');
  });

  it('uses the dev target with file sync of service/src under skaffold dev', () => {
    const dev = profile('dev');
    expect(dev.activation).to.deep.equal([{ command: 'dev' }]);
    expect(dev.patches).to.deep.include({ op: 'replace', path: '/build/artifacts/0/docker/target', value: 'dev' });
    expect(JSON.stringify(dev.patches)).to.include('service/src/**');
  });
});
