import { expect } from 'chai';
import { parseCommandLine } from '../../src/observability/cli.js';
import { EXIT } from '../../src/observability/exit-codes.js';
import { type Completed, runNode } from '../support/process.js';
import { Stand } from './support.js';

/** Runs the built CLI the way `npm run observability` does, with only the given environment. */
function cli(args: string[], env: Record<string, string | undefined>): Promise<Completed> {
  return runNode(['--enable-source-maps', 'dist/src/observability/cli.js', ...args], env);
}

describe('observability CLI', function () {
  describe('command line', function () {
    it('takes plan or apply', function () {
      expect(parseCommandLine(['apply'])).to.deep.equal({ command: 'apply' });
    });

    it('takes the systems to reconcile with --only', function () {
      expect(parseCommandLine(['plan', '--only', 'xray,cloudwatch'])).to.deep.equal({ command: 'plan', only: ['xray', 'cloudwatch'] });
    });

    it('takes another definitions folder with --definitions', function () {
      expect(parseCommandLine(['plan', '--definitions', '/tmp/defs'])).to.deep.equal({ command: 'plan', definitionsDir: '/tmp/defs' });
    });

    it('refuses an unknown command', function () {
      expect(parseCommandLine(['destroy'])).to.equal('expected "plan", "apply" or "marker", got "destroy"');
    });

    it('takes marker, with --best-effort or without', function () {
      expect(parseCommandLine(['marker'])).to.deep.equal({ command: 'marker', bestEffort: false });
      expect(parseCommandLine(['marker', '--best-effort'])).to.deep.equal({ command: 'marker', bestEffort: true });
    });

    it('refuses --best-effort outside marker, and --only with marker', function () {
      expect(parseCommandLine(['apply', '--best-effort'])).to.equal('--best-effort is for marker, not apply');
      expect(parseCommandLine(['marker', '--only', 'xray'])).to.equal('marker takes neither --only, --definitions nor --tolerate-outage (--best-effort covers outages)');
    });

    it('refuses an unknown system', function () {
      expect(parseCommandLine(['plan', '--only', 'datadog'])).to.equal('--only: unknown system(s) datadog');
    });
  });

  describe('as a process', function () {
    const stand = new Stand();
    before(async () => stand.start());
    after(async () => stand.stop());

    it('plans against the APIs it is pointed at and exits 0', async function () {
      const { code, stdout } = await cli(['plan'], stand.env());

      expect(code, stdout).to.equal(EXIT.ok);
      expect(stdout).to.include('+ create sampling rule "Cruddur"');
      expect(stdout).to.include('Plan: 11 to create, 0 to update, 0 unchanged.');
    });

    it('exits 1 when apply cannot do everything', async function () {
      const { code, stdout } = await cli(['apply', '--only', 'honeycomb'], stand.env({ HONEYCOMB_CONFIGURATION_KEY: undefined }));

      expect(code).to.equal(EXIT.failed);
      expect(stdout).to.include('Not applied to: Honeycomb (HONEYCOMB_CONFIGURATION_KEY is not set).');
    });

    it('marker --best-effort exits 0 when Honeycomb refuses the key, saying no marker was created', async function () {
      const { code, stdout } = await cli(['marker', '--best-effort'], stand.env({ HONEYCOMB_CONFIGURATION_KEY: 'refused' }));

      expect(code, stdout).to.equal(EXIT.ok);
      expect(stdout).to.include('No deploy marker was created: Honeycomb rejected HONEYCOMB_CONFIGURATION_KEY (401');
    });

    it('marker exits 1 when Honeycomb refuses the key', async function () {
      const { code } = await cli(['marker'], stand.env({ HONEYCOMB_CONFIGURATION_KEY: 'refused' }));

      expect(code).to.equal(EXIT.failed);
    });

    it('exits 2 with the usage on a wrong command line', async function () {
      const { code, stderr } = await cli(['plna'], {});

      expect(code).to.equal(EXIT.invalid);
      expect(stderr).to.include('Usage: npm run observability -- <plan|apply>');
    });
  });
});
