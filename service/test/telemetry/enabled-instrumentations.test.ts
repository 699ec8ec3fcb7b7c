import { expect } from 'chai';
import { evaluateInFreshProcess } from '../support/process.js';

interface Selection {
  instrumentations: string[];
  detectors: string[];
  bundleLoaded: boolean;
}

/**
 * What enabled-instrumentations.ts picks for an environment, in a process of its own: building instrumentations patches
 * modules, and whether the bundle was loaded is only visible in a fresh module cache.
 */
function select(env: Record<string, string>): Selection {
  const script = `
    const { instrumentations, resourceDetectors } = require('./dist/src/telemetry/enabled-instrumentations.js');
    const selection = {
      instrumentations: instrumentations({}).map((i) => i.instrumentationName),
      detectors: resourceDetectors().map((d) => d.constructor.name),
      bundleLoaded: Object.keys(require.cache).some((file) => file.includes('/auto-instrumentations-node/')),
    };
    process.stdout.write(JSON.stringify(selection));`;
  return evaluateInFreshProcess(script, env) as Selection;
}

const DEFAULTS = {
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http',
  OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process,serviceinstance,container',
};

describe('instrumentations and resource detectors from the environment', function () {
  this.timeout(30_000);

  it('builds the default (http, local detectors) without loading the auto-instrumentations bundle', () => {
    const selection = select(DEFAULTS);
    expect(selection.instrumentations).to.deep.equal(['@opentelemetry/instrumentation-http']);
    expect(selection.detectors).to.deep.equal([
      'EnvDetector',
      'HostDetector',
      'OSDetector',
      'ProcessDetector',
      'ServiceInstanceIdDetector',
      'ContainerDetector',
    ]);
    expect(selection.bundleLoaded).to.equal(false);
  });

  it('honours OTEL_NODE_DISABLED_INSTRUMENTATIONS for http', () => {
    expect(select({ ...DEFAULTS, OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'dns, http' }).instrumentations).to.deep.equal([]);
  });

  it('loads the bundle for any other instrumentation the operator names', () => {
    const selection = select({ ...DEFAULTS, OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http, koa' });
    expect(selection.instrumentations).to.have.members(['@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-koa']);
    expect(selection.bundleLoaded).to.equal(true);
  });

  it('loads the bundle for the AWS detectors (the eks profile)', () => {
    const selection = select({ ...DEFAULTS, OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process,serviceinstance,container,aws' });
    expect(selection.detectors).to.include.members(['AwsEksDetector', 'AwsEc2Detector', 'HostDetector']);
    expect(selection.bundleLoaded).to.equal(true);
  });
});
