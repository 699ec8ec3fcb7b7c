import { expect } from 'chai';
import { evaluateInFreshProcess, START_OPENTELEMETRY } from '../support/process.js';

/**
 * Where each @opentelemetry package the bootstrap loads comes from, in a process of its own. A direct dependency at
 * another version than the SDK line pins makes npm nest a private copy inside every SDK package, and the process
 * then loads a dozen copies of the same code.
 */
function loadedPackageDirectories(): Record<string, string[]> {
  const script = `
    ${START_OPENTELEMETRY}
    const directories = {};
    for (const file of Object.keys(require.cache)) {
      const match = /^(.*node_modules\\/(@opentelemetry\\/[^/]+))\\//.exec(file);
      if (!match) continue;
      (directories[match[2]] ??= new Set()).add(match[1]);
    }
    process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(directories).map(([name, dirs]) => [name, [...dirs]]))));
    process.exit(0);`;
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_TRACES_SAMPLER: 'always_on' };
  return evaluateInFreshProcess(script, env) as Record<string, string[]>;
}

describe('the OpenTelemetry bootstrap', function () {
  this.timeout(30_000);

  it('loads one copy of each SDK package', () => {
    const loaded = loadedPackageDirectories();
    expect(loaded).to.include.keys('@opentelemetry/core', '@opentelemetry/sdk-trace', '@opentelemetry/resources');
    const duplicated = Object.entries(loaded).filter(([, directories]) => directories.length > 1);
    expect(duplicated, 'packages loaded from more than one directory').to.deep.equal([]);
  });
});
