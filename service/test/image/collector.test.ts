import { expect } from 'chai';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { builtImage, Container, docker, get, inspect, renderedConfigFolder } from '../support/docker';
import { ROOT } from '../support/process';

interface Manifest {
  receivers?: unknown[];
  processors?: unknown[];
  exporters?: unknown[];
  extensions?: unknown[];
  connectors?: unknown[];
}

describe('the collector image', () => {
  const image = builtImage('COLLECTOR_IMAGE');
  let container: Container | undefined;
  let dir: string | undefined;

  afterEach(() => {
    container?.remove();
    container = undefined;
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('declares a numeric non-root user', () => {
    expect(inspect(image, '{{.Config.User}}')).to.match(/^[1-9]\d*:[1-9]\d*$/);
  });

  it('starts with the chart\'s rendered config, hardened, and answers its health check', async () => {
    dir = renderedConfigFolder('cruddur-backend-otel-collector', 'config.yaml');
    // As the chart runs the sidecar: the config mounted at /conf, its args, the chart's securityContext.
    container = Container.run(
      image,
      ['--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--volume', `${dir}:/conf:ro`, '--publish', '127.0.0.1::13133'],
      ['--config=/conf/config.yaml'],
    );
    const port = container.hostPort(13133);
    const health = await container.waitFor(port, '/', (answer) => answer.status === 200, 30_000);
    expect(JSON.parse(health.body)).to.include({ status: 'Server available' });
    expect(await get(port, '/')).to.have.property('status', 200);
  });

  it('holds exactly the components of k8s/collector/builder-config.yaml', () => {
    const manifest = parse(readFileSync(path.join(ROOT, 'k8s/collector/builder-config.yaml'), 'utf8')) as Manifest;
    const listed = parse(docker(['run', '--rm', '--network', 'none', image, 'components'])) as Record<string, { name: string }[] | undefined>;
    for (const kind of ['receivers', 'processors', 'exporters', 'extensions', 'connectors'] as const) {
      expect(listed[kind] ?? [], kind).to.have.lengthOf(manifest[kind]?.length ?? 0);
    }
    expect((listed.extensions ?? []).map((c) => c.name)).to.deep.equal(['health_check', 'sigv4auth']);
  });

  it('has a CA bundle for its TLS exporters', () => {
    const created = docker(['create', image]).trim();
    try {
      const tar = docker(['cp', `${created}:/etc/ssl/certs/ca-certificates.crt`, '-']);
      expect(tar.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0).to.be.above(100);
    } finally {
      docker(['rm', created]);
    }
  });
});
