import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { repoRoot, tool } from './render';

const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
/** Instructions of the last stage (the default build target, `prod`). */
const prodStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

describe('the Dockerfile', () => {
  it('passes hadolint', () => {
    const result = spawnSync(tool('HADOLINT'), [path.join(repoRoot, 'Dockerfile')], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).to.equal('');
    expect(result.status).to.equal(0);
  });

  it('builds on a pinned Node 24 slim image', () => {
    expect(dockerfile).to.match(/^ARG NODE_IMAGE=node:24\.\d+\.\d+-[a-z]+-slim/m);
    expect(prodStage).to.match(/^FROM \$\{NODE_IMAGE\} AS prod$/m);
  });

  it('runs the production command as PID 1 with node directly, as a numeric non-root user, from /app', () => {
    expect(prodStage).to.match(/^USER [1-9]\d*:[1-9]\d*$/m);
    expect(prodStage).to.match(/^WORKDIR \/app$/m);
    expect(prodStage).to.include('COPY package.json ./');
    expect(prodStage).to.include('ENTRYPOINT []');
    expect(prodStage).to.include(
      'CMD ["node", "--require", "./dist/src/telemetry/instrumentation.js", "dist/src/main.js"]',
    );
    expect(prodStage).to.match(/^EXPOSE 4567$/m);
  });

  it('labels the image with its source, revision and version and passes GIT_SHA to the service', () => {
    for (const label of ['source', 'revision', 'version']) expect(prodStage).to.include(`org.opencontainers.image.${label}=`);
    expect(prodStage).to.match(/^ARG GIT_SHA/m);
    expect(prodStage).to.match(/^ENV GIT_SHA=\$\{GIT_SHA\}$/m);
  });

  it('has a dev target for skaffold dev that runs watch mode', () => {
    expect(dockerfile).to.match(/^FROM deps AS dev$/m);
    expect(dockerfile).to.include('CMD ["npm", "run", "dev"]');
  });

  it('sends only what the build needs as context', () => {
    const ignore = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8').split('\n');
    expect(ignore).to.include('*');
    expect(ignore).to.include.members(['!package.json', '!package-lock.json', '!service/src/']);
    expect(ignore.filter((line) => line.startsWith('!'))).not.to.include('!.env');
  });
});
