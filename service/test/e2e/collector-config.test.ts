import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../deploy/render';
import { collectorConfigOf, containerEnv, renderChart } from '../support/e2e/chart';
import { validateCollectorConfig } from '../support/e2e/collector';
import { e2eTool } from '../support/e2e/tools';

/** Every profile `make deploy-check` renders, as value files layered in order. */
const PROFILES: Record<string, string[]> = {
  default: ['charts/cruddur-backend/ci/default-values.yaml'],
  kind: ['charts/cruddur-backend/ci/kind-values.yaml'],
  eks: ['charts/cruddur-backend/ci/eks-values.yaml'],
  'eks with k8s/values-eks.yaml': ['charts/cruddur-backend/ci/eks-values.yaml', 'k8s/values-eks.yaml'],
};

/** The key is a secret in a pod; `validate` only needs ${env:HONEYCOMB_API_KEY} to resolve. */
const VALIDATE_ENV = { HONEYCOMB_API_KEY: 'dummy-key-for-validation' };

describe('the collector the chart configures (otelcol built by ocb)', function () {
  this.timeout(60_000);

  for (const [profile, files] of Object.entries(PROFILES)) {
    it(`accepts the config the ${profile} profile renders (otelcol validate)`, async () => {
      const config = collectorConfigOf(renderChart({}, files));
      const result = await validateCollectorConfig(config, VALIDATE_ENV);
      expect(result.code, result.output).to.equal(0);
    });
  }

  it('accepts the config with Honeycomb at a custom endpoint (what the end-to-end tests run)', async () => {
    const values = { collector: { honeycomb: { enabled: true, endpoint: 'http://127.0.0.1:4319' } }, secrets: { existingSecret: 'cruddur-backend-secrets' } };
    const config = collectorConfigOf(renderChart(values));
    expect(parse(config)).to.have.nested.property('exporters.otlp_http/honeycomb.endpoint', 'http://127.0.0.1:4319');
    const result = await validateCollectorConfig(config, VALIDATE_ENV);
    expect(result.code, result.output).to.equal(0);
  });

  it('rejects a config with a component it was not built with, so a passing validate means something', async () => {
    // collector.config is merged over the generated config: a zipkin exporter is valid YAML the build lacks.
    const config = collectorConfigOf(renderChart({ collector: { config: { exporters: { zipkin: { endpoint: 'http://127.0.0.1:9411' } } } } }, PROFILES.eks));
    const result = await validateCollectorConfig(config, VALIDATE_ENV);
    expect(result.code).to.not.equal(0);
    expect(result.output).to.include('zipkin');
  });

  it("is the version of the chart's pinned image, built from the manifest in the repository", () => {
    const values = parse(readFileSync(path.join(repoRoot, 'charts/cruddur-backend/values.yaml'), 'utf8')) as {
      collector: { image: { repository: string; tag: string } };
    };
    const manifest = parse(readFileSync(path.join(repoRoot, 'k8s/collector/builder-config.yaml'), 'utf8')) as {
      dist: { version: string };
      receivers: { gomod: string }[];
      processors: { gomod: string }[];
      exporters: { gomod: string }[];
      extensions: { gomod: string }[];
    };
    const version = values.collector.image.tag;
    expect(manifest.dist.version).to.equal(version);
    const components = [...manifest.receivers, ...manifest.processors, ...manifest.exporters, ...manifest.extensions];
    for (const { gomod } of components) expect(gomod, gomod).to.match(new RegExp(` v${version.replaceAll('.', '\\.')}$`));
    const built = spawnSync(e2eTool('OTELCOL'), ['--version'], { encoding: 'utf8' });
    expect(built.stdout.trim()).to.equal(`otelcol version ${version}`);
  });

  it('gets HONEYCOMB_API_KEY from the Secret and GOMEMLIMIT from the chart, and nothing else', () => {
    const objects = renderChart({ collector: { honeycomb: { enabled: true } } }, PROFILES.eks);
    const env = containerEnv(objects, 'otel-collector', { fieldRefs: {}, secrets: { HONEYCOMB_API_KEY: 'from-the-secret' } });
    expect(env).to.deep.equal({ GOMEMLIMIT: '204MiB', HONEYCOMB_API_KEY: 'from-the-secret' });
  });
});
