import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { OtlpReceiver } from '../support/stand-ins';
import { builtImage, Container, docker, get, inspect } from '../support/docker';
import { jsonLines, ROOT } from '../support/process';

/** What `make image` passed as build arguments. */
const GIT_SHA = process.env.GIT_SHA ?? '';
const VERSION = process.env.VERSION ?? '';
/** The CA bundle `make image` handed to npm ci as a build secret (k8s/docker/build-images.sh). */
const CA_FILE = process.env.NPM_CA_FILE ?? process.env.NODE_EXTRA_CA_CERTS ?? '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
    server.on('error', reject);
  });
}

/** Every file of every layer of the image, extracted layer by layer from `docker save`, so that none hides another. */
function layerFiles(image: string, dir: string): { layer: number; file: string; size: number }[] {
  docker(['save', '--output', path.join(dir, 'image.tar'), image]);
  const untar = (archive: string, into: string) => {
    const result = spawnSync('tar', ['-xf', archive, '-C', into], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`tar -xf ${archive}: ${result.stderr}`);
  };
  untar(path.join(dir, 'image.tar'), dir);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
  const files: { layer: number; file: string; size: number }[] = [];
  manifest[0]?.Layers.forEach((layerTar, layer) => {
    const into = path.join(dir, `layer-${layer}`);
    spawnSync('mkdir', [into]);
    untar(path.join(dir, layerTar), into);
    const walk = (relative: string) => {
      for (const entry of readdirSync(path.join(into, relative), { withFileTypes: true })) {
        const file = path.join(relative, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (entry.isFile()) files.push({ layer, file: path.join(into, file), size: statSync(path.join(into, file)).size });
      }
    };
    walk('');
  });
  return files;
}

/** The paths the extracted layer files have inside the image. */
function inImage(files: { file: string }[]): string[] {
  return files.map((f) => f.file.replace(/^.*?\/layer-\d+\//, '/'));
}

describe('what the prod image is made of', () => {
  const image = builtImage('IMAGE');

  it('carries the revision and version it was built from in its OCI labels', () => {
    expect(GIT_SHA).to.match(/^[0-9a-f]{40}$/);
    expect(inspect(image, '{{index .Config.Labels "org.opencontainers.image.revision"}}')).to.equal(GIT_SHA);
    expect(inspect(image, '{{index .Config.Labels "org.opencontainers.image.version"}}')).to.equal(VERSION);
  });

  describe('the build revision at run time', () => {
    const receiver = new OtlpReceiver();
    let container: Container | undefined;

    before(async () => {
      await receiver.start();
    });
    after(async () => {
      await receiver.stop();
    });
    afterEach(() => {
      container?.remove();
      container = undefined;
    });

    it('reaches the spans\' resource and Rollbar\'s code version', async () => {
      const port = await freePort();
      // The host's network, so the service reaches the OTLP stand-in on loopback; nothing else is listening for it.
      container = Container.run(image, [
        '--network', 'host', '--read-only', '--cap-drop', 'ALL',
        '--env', `PORT=${port}`, '--env', `OTEL_EXPORTER_OTLP_ENDPOINT=${receiver.url}`, '--env', 'OTEL_BSP_SCHEDULE_DELAY=100',
        // Rollbar on, so that it logs its code version; an item would go to loopback, never to Rollbar.
        '--env', 'XRAY_ENABLED=false', '--env', 'ROLLBAR_ACCESS_TOKEN=image-test-token', '--env', `ROLLBAR_ENDPOINT=${receiver.url}/rollbar/`,
      ]);
      await container.waitFor(port, '/api/activities/home', (answer) => answer.status === 200, 30_000);
      const [span] = await receiver.waitForSpans((s) => s.name === 'GET /api/activities/home', 10_000);
      expect(span?.resource['service.version']).to.equal(`${VERSION}+${GIT_SHA.slice(0, 7)}`);
      expect(span?.resource['vcs.ref.head.revision']).to.equal(GIT_SHA);
      const rollbar = jsonLines(container.logs()).find((line) => line.message === 'rollbar enabled');
      expect(rollbar).to.include({ code_version: GIT_SHA });
      expect(container.logs()).not.to.include('image-test-token');
      expect((await get(port, '/health'))?.status).to.equal(200);
    });
  });

  describe('its layers', () => {
    let dir: string;
    let files: { layer: number; file: string; size: number }[];

    before(function () {
      this.timeout(180_000);
      dir = mkdtempSync(path.join(tmpdir(), 'image-layers-'));
      files = layerFiles(image, dir);
    });
    after(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('hold no copy of the CA bundle npm ci was given, and no mount point of the build secret', function () {
      expect(CA_FILE, 'make image passes the machine\'s CA bundle (NODE_EXTRA_CA_CERTS) as the build secret').not.to.equal('');
      const bundle = readFileSync(CA_FILE);
      const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');
      const copies = files.filter((f) => f.size === bundle.length && digest(readFileSync(f.file)) === digest(bundle));
      expect(copies.map((f) => f.file)).to.deep.equal([]);
      expect(inImage(files).filter((file) => file.startsWith('/run/secrets/') || file.endsWith('/npm-ca.pem'))).to.deep.equal([]);
    });

    it('hold no npm cache', () => {
      expect(inImage(files).filter((file) => /^\/(root|home\/node)\/\.npm\/|\/_cacache\//.test(file))).to.deep.equal([]);
    });

    it('hold none of the build\'s inputs: sources, lock file, TypeScript configuration', () => {
      expect(inImage(files).filter((file) => /^\/app\/(service\/src\/|package-lock\.json$|tsconfig)/.test(file))).to.deep.equal([]);
    });
  });

  it('keeps no CA bundle, secret or token in its environment or history', () => {
    const env = JSON.parse(inspect(image, '{{json .Config.Env}}')) as string[];
    expect(env.filter((entry) => /CERT|_CA|TOKEN|KEY|SECRET|PASSWORD/i.test(entry.split('=')[0] ?? ''))).to.deep.equal([]);
    const history = docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', image]);
    expect(history).not.to.include('BEGIN CERTIFICATE');
    expect(history).not.to.match(/NODE_EXTRA_CA_CERTS=(?!\/run\/secrets\/npm-ca\.pem)/);
  });

  it('has exactly the runtime packages of the lock file in node_modules, and no dev dependency', () => {
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }>;
    };
    const listed = docker(['run', '--rm', '--network', 'none', '--entrypoint', 'node', image, '-e', `
      const fs = require('node:fs'), path = require('node:path'), found = [];
      (function walk(dir) {
        for (const name of fs.readdirSync(dir)) {
          if (name.startsWith('.')) continue;
          const at = path.join(dir, name);
          if (name.startsWith('@')) { walk(at); continue; }
          found.push(at);
          if (fs.existsSync(path.join(at, 'node_modules'))) walk(path.join(at, 'node_modules'));
        }
      })('node_modules');
      console.log(JSON.stringify(found));`]);
    const installed = new Set(JSON.parse(listed) as string[]);
    const entries = Object.entries(lock.packages).filter(([key]) => key.startsWith('node_modules/'));
    const devOnly = entries.filter(([, meta]) => meta.dev === true).map(([key]) => key);
    const runtime = entries.filter(([, meta]) => meta.dev !== true && meta.optional !== true && meta.devOptional !== true).map(([key]) => key);
    expect(devOnly).to.include.members(['node_modules/typescript', 'node_modules/mocha', 'node_modules/eslint']);
    expect(devOnly.filter((key) => installed.has(key))).to.deep.equal([]);
    expect(runtime.filter((key) => !installed.has(key))).to.deep.equal([]);
  });
});
