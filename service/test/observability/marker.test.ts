import { expect } from 'chai';
import { EXIT } from '../../src/observability/exit-codes.js';
import { runMarker } from '../../src/observability/marker-command.js';
import { DATASET, Stand } from './support.js';

const SHA = 'abc1234def5678abc1234def5678abc1234def56';
/** 2025-12-01T12:00:00.750Z: a time with milliseconds, which the marker must not carry. */
const NOW_MS = 1_764_590_400_750;

describe('observability marker (deploy markers)', function () {
  const stand = new Stand();
  before(async () => stand.start());
  after(async () => stand.stop());
  beforeEach(() => {
    stand.reset();
  });

  async function marker(env: Record<string, string | undefined> = {}, bestEffort = false): Promise<{ code: number; output: string }> {
    let output = '';
    const code = await runMarker({ env: stand.env({ GIT_SHA: SHA, ...env }), bestEffort, write: (text) => (output += text), now: () => NOW_MS });
    return { code, output };
  }

  it('creates a deploy marker in the service dataset naming the version and the revision', async function () {
    const { code, output } = await marker();

    expect(code, output).to.equal(EXIT.ok);
    const [created] = stand.honeycomb.markers(DATASET);
    expect(created).to.include({ type: 'deploy', message: `deploy cruddur-backend 0.1.0+abc1234 (revision ${SHA})` });
    expect(output).to.include(`Deploy marker created in Honeycomb dataset ${DATASET}`);
  });

  it('links the marker to the commit in the source repository', async function () {
    await marker({ SOURCE_REPOSITORY_URL: 'https://git.example.com/team/cruddur/' });

    expect(stand.honeycomb.markers(DATASET)[0]?.url).to.equal(`https://git.example.com/team/cruddur/commit/${SHA}`);
  });

  it('dates the marker in whole Unix seconds', async function () {
    await marker();

    expect(stand.honeycomb.markers(DATASET)[0]?.start_time).to.equal(Math.floor(NOW_MS / 1000));
  });

  it('creates nothing on a second run for the same revision, and says so', async function () {
    await marker();
    stand.forgetCalls();

    const { code, output } = await marker();

    expect(code).to.equal(EXIT.ok);
    expect(stand.honeycomb.writes()).to.deep.equal([]);
    expect(stand.honeycomb.markers(DATASET)).to.have.length(1);
    expect(output).to.include('already has the deploy marker').and.include('nothing to do');
  });

  it('creates a marker for a new revision next to the one of the previous rollout', async function () {
    await marker({ GIT_SHA: 'fedcba9876543210' });

    await marker();

    expect(stand.honeycomb.markers(DATASET).map((m) => m.message)).to.have.length(2);
  });

  it('without GIT_SHA names the package version alone and links nowhere', async function () {
    await marker({ GIT_SHA: undefined });

    const [created] = stand.honeycomb.markers(DATASET);
    expect(created?.message).to.equal('deploy cruddur-backend 0.1.0');
    expect(created).not.to.have.property('url');
  });

  it('names the "Manage Markers" permission when Honeycomb answers 403, and fails', async function () {
    stand.honeycomb.addKey('no-markers', { markers: false });

    const { code, output } = await marker({ HONEYCOMB_CONFIGURATION_KEY: 'no-markers' });

    expect(code).to.equal(EXIT.failed);
    expect(output).to.include('No deploy marker was created').and.include('lacks the "Manage Markers" permission');
  });

  it('says an unknown key is not a configuration key of the environment on a 401', async function () {
    const { output } = await marker({ HONEYCOMB_CONFIGURATION_KEY: 'hcaik_an-ingest-key' });

    expect(output).to.include('Honeycomb rejected HONEYCOMB_CONFIGURATION_KEY (401');
  });

  it('says the key is missing without calling Honeycomb', async function () {
    const { code, output } = await marker({ HONEYCOMB_CONFIGURATION_KEY: undefined });

    expect(code).to.equal(EXIT.failed);
    expect(output).to.include('HONEYCOMB_CONFIGURATION_KEY is not set');
    expect(stand.honeycomb.calls).to.deep.equal([]);
  });

  it('says Honeycomb did not answer when nothing listens at HONEYCOMB_API_URL', async function () {
    const { code, output } = await marker({ HONEYCOMB_API_URL: 'http://127.0.0.1:9' });

    expect(code).to.equal(EXIT.failed);
    expect(output).to.include('Honeycomb at http://127.0.0.1:9 did not answer');
  });

  it('gives up on a rate limit after two tries, so a hook ends long before its deadline', async function () {
    stand.honeycomb.failNext(5, { kind: 'rate-limit', retryAfter: '0' }, 'listMarkers');

    const { code, output } = await marker();

    expect(code).to.equal(EXIT.failed);
    expect(stand.honeycomb.callsOf('listMarkers')).to.have.length(2);
    expect(output).to.include('Honeycomb kept rate limiting GET /1/markers/cruddur-backend (429 after 2 attempts');
  });

  it('with --best-effort exits 0 on a refused key, after saying no marker was created', async function () {
    const { code, output } = await marker({ HONEYCOMB_CONFIGURATION_KEY: 'hcaik_an-ingest-key' }, true);

    expect(code).to.equal(EXIT.ok);
    expect(output).to.include('No deploy marker was created').and.include('--best-effort: exiting 0 so the rollout goes on.');
  });

  it('with --best-effort exits 0 on an invalid configuration', async function () {
    const { code, output } = await marker({ SOURCE_REPOSITORY_URL: 'not a url' }, true);

    expect(code).to.equal(EXIT.ok);
    expect(output).to.include('SOURCE_REPOSITORY_URL');
  });

  it('never writes the key in what it prints', async function () {
    stand.honeycomb.addKey('no-markers', { markers: false });

    const { output } = await marker({ HONEYCOMB_CONFIGURATION_KEY: 'no-markers' }, true);

    expect(output).not.to.include('no-markers');
  });
});
