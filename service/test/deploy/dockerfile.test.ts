import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { repoRoot, tool } from './render';

const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
/** Instructions of the last stage (the default build target, `prod`). */
const prodStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

describe('the Dockerfile', () => {
  it('passes hadolint, as do the collector image and the stand-in base', () => {
    for (const file of ['Dockerfile', 'k8s/collector/Dockerfile', 'k8s/docker/node-stand-in.Dockerfile']) {
      const result = spawnSync(tool('HADOLINT'), [path.join(repoRoot, file)], { encoding: 'utf8' });
      expect(result.stdout + result.stderr, file).to.equal('');
      expect(result.status, file).to.equal(0);
    }
  });

  it('builds on the Node 24 slim image of the version the Makefile pins', () => {
    const pinned = /^NODE_VERSION := (24\.\d+\.\d+)$/m.exec(readFileSync(path.join(repoRoot, 'Makefile'), 'utf8'))?.[1];
    expect(pinned).to.be.a('string');
    expect(dockerfile).to.match(new RegExp(`^ARG NODE_IMAGE=node:${pinned?.replaceAll('.', '\\.')}-[a-z]+-slim$`, 'm'));
    expect(prodStage).to.match(/^FROM \$\{NODE_IMAGE\} AS prod$/m);
  });

  it('sends only what the build needs as context', () => {
    const ignore = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8').split('\n');
    expect(ignore).to.include('*');
    expect(ignore).to.include.members(['!package.json', '!package-lock.json', '!service/src/']);
    expect(ignore.filter((line) => line.startsWith('!'))).not.to.include('!.env');
  });
});
