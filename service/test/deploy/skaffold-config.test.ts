import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

import { container, find, podSpec, render, repoRoot } from './render';

/**
 * What skaffold.yaml says of other files, which no tool checks: deploy-check validates the file against its schema,
 * but not that the stages, build args, paths and contexts it names are those of the Dockerfile, the chart and the
 * Makefile.
 */
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

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const config = parse(read('skaffold.yaml')) as SkaffoldConfig;
const makefile = read('Makefile');
const dockerfile = read('Dockerfile');
const profile = (name: string) => {
  const found = config.profiles.find((p) => p.name === name);
  if (found === undefined) throw new Error(`no profile ${name}`);
  return found;
};
/** The instructions of the Dockerfile's stage `name`, up to the next FROM. */
const stage = (name: string) => {
  const start = dockerfile.search(new RegExp(`^FROM \\S+ AS ${name}$`, 'm'));
  expect(start, `Dockerfile stage ${name}`).to.not.equal(-1);
  const next = dockerfile.indexOf('\nFROM ', start + 1);
  return dockerfile.slice(start, next === -1 ? undefined : next);
};
/** Repository paths named in a profile's patches (values files, hook scripts), which must exist. */
const pathsIn = (patches: Patch[]) => [...JSON.stringify(patches).matchAll(/(?:charts|k8s)\/[\w./-]+\.(?:yaml|sh)/g)].map(([file]) => file);

describe('skaffold.yaml', () => {
  it('injects the built image into the chart through the artifact template variables', () => {
    const artifact = config.build.artifacts[0];
    // The schema deploy-check validates it against is that of its apiVersion.
    expect(config.apiVersion).to.equal(`skaffold/${/^SKAFFOLD_SCHEMA_VERSION := (\S+)$/m.exec(makefile)?.[1] ?? ''}`);
    // It builds the image the Dockerfile builds by default (its last stage), with build args that stage declares.
    const target = artifact?.docker.target ?? '';
    expect(dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))).to.match(new RegExp(`^FROM \\S+ AS ${target}$`, 'm'));
    for (const arg of Object.keys(artifact?.docker.buildArgs ?? {})) expect(stage(target)).to.match(new RegExp(`^ARG ${arg}=`, 'm'));
    // Skaffold turns / - . : in the artifact name into _ for these variables.
    const suffix = (artifact?.image ?? '').replace(/[/\-.:]/g, '_');
    const templates = config.deploy.helm.releases[0]?.setValueTemplates;
    expect(templates).to.deep.equal({
      'image.repository': `{{.IMAGE_REPO_${suffix}}}`,
      'image.tag': `{{.IMAGE_TAG_${suffix}}}`,
    });
    // The values they set are what the app container runs.
    const deployment = find(render({ values: { image: { repository: 'registry.example/cruddur-backend', tag: 'abc1234' } } }), 'Deployment');
    expect(container(podSpec(deployment), 'app').image).to.equal('registry.example/cruddur-backend:abc1234');
  });

  it('activates the kind profile on kind-* contexts with the kind values and the secret hook', () => {
    const kind = profile('kind');
    const context = new RegExp(`^${kind.activation[0]?.kubeContext ?? ''}$`);
    expect(`kind-${/^KIND_CLUSTER := (\S+)$/m.exec(makefile)?.[1] ?? ''}`, "the Makefile's kind context").to.match(context);
    expect(pathsIn(kind.patches)).to.include.members(['charts/cruddur-backend/ci/kind-values.yaml', 'k8s/kind/create-secret.sh']);
    for (const file of pathsIn(kind.patches)) expect(existsSync(path.join(repoRoot, file)), file).to.equal(true);
  });

  it('pushes and deploys the eks values in the eks profile', () => {
    const patches = profile('eks').patches;
    expect(patches).to.deep.include({ op: 'replace', path: '/build/local/push', value: true });
    expect(pathsIn(patches)).to.include('k8s/values-eks.yaml');
    for (const file of pathsIn(patches)) expect(existsSync(path.join(repoRoot, file)), file).to.equal(true);
  });

  it('uses the dev target with file sync of service/src under skaffold dev', () => {
    const dev = profile('dev');
    expect(dev.activation).to.deep.equal([{ command: 'dev' }]);
    const target = dev.patches.find((patch) => patch.path === '/build/artifacts/0/docker/target')?.value;
    expect(target).to.be.a('string');
    // The synced sources land where the dev stage copied them, which its watch rebuilds from.
    expect(stage(String(target))).to.match(/^COPY .*\bservice\/src \.\/service\/src$/m);
    expect(JSON.stringify(dev.patches)).to.include('service/src/**');
  });
});
