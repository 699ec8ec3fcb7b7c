import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { expect } from 'chai';
import { EXIT } from '../../src/observability/exit-codes.js';
import { freePort as closedPort } from '../support/e2e/tools.js';
import { DATASET, EditedDefinitions, runCommand, Stand } from './support.js';

const QUERY_NAMES = ['Request size based on user tag', 'Latency by user', 'Recent traces', 'Slowest root spans', 'Error rate by route', 'Errors and latency by version'];
const BOARD = 'Cruddur backend (cruddur-backend)';

describe('observability plan and apply', function () {
  const stand = new Stand();
  const edited: EditedDefinitions[] = [];
  before(async () => stand.start());
  after(async () => {
    for (const copy of edited) copy.remove();
    await stand.stop();
  });
  afterEach(() => {
    stand.reset();
  });

  function copy(): EditedDefinitions {
    const definitions = new EditedDefinitions();
    edited.push(definitions);
    return definitions;
  }

  /** Applies the shipped definitions, then forgets the calls that made them. */
  async function applied(): Promise<void> {
    const { code, output } = await runCommand('apply', stand.env());
    expect(code, output).to.equal(EXIT.ok);
    stand.forgetCalls();
  }

  describe('on an empty account', function () {
    it('plans to create every query, the board, the sampling rule, both groups and the log group', async function () {
      const { code, output } = await runCommand('plan', stand.env());

      expect(code).to.equal(EXIT.ok);
      for (const name of QUERY_NAMES) expect(output).to.include(`+ create query "${name}"`);
      expect(output).to.include(`+ create board "${BOARD}"`);
      expect(output).to.include('+ create sampling rule "Cruddur"');
      expect(output).to.include('+ create group "Cruddur"');
      expect(output).to.include('+ create group "CruddurErrors"');
      expect(output).to.include('+ create log group "cruddur"');
      expect(output).to.include('Plan: 11 to create, 0 to update, 0 unchanged.');
    });

    it('changes nothing when planning', async function () {
      await runCommand('plan', stand.env());

      expect(stand.writes()).to.deep.equal([]);
    });

    it('saves each query under its name in the dataset of the service', async function () {
      await applied();

      const annotations = stand.honeycomb.annotations(DATASET);
      expect(annotations.map((a) => a.name)).to.have.members(QUERY_NAMES);
      const requestSize = annotations.find((a) => a.name === 'Request size based on user tag');
      expect(stand.honeycomb.query(requestSize?.query_id ?? '')).to.deep.include({ breakdowns: ['app.result_length'] });
    });

    it('creates the board with a panel per query, in order, with its style', async function () {
      await applied();

      const [board] = stand.honeycomb.boards();
      const names = new Map(stand.honeycomb.annotations(DATASET).map((a) => [a.id, a.name]));
      const panels = board?.panels.map((p) => p.query_panel as { query_annotation_id: string; query_style: string });
      expect(board?.name).to.equal(BOARD);
      expect(panels?.map((p) => names.get(p.query_annotation_id))).to.deep.equal(QUERY_NAMES);
      expect(panels?.map((p) => p.query_style)).to.deep.equal(['graph', 'graph', 'table', 'graph', 'combo', 'combo']);
    });

    it('creates the course sampling rule for the service', async function () {
      await applied();

      expect(stand.xray.samplingRule('Cruddur')).to.deep.include({
        Priority: 9000,
        FixedRate: 0.1,
        ReservoirSize: 5,
        ServiceName: 'cruddur-backend',
        ServiceType: '*',
        Host: '*',
        HTTPMethod: '*',
        URLPath: '*',
        ResourceARN: '*',
        Version: 1,
      });
    });

    it('creates the groups filtering on the X-Ray name from AWS_XRAY_TRACING_NAME', async function () {
      const { code } = await runCommand('apply', stand.env({ AWS_XRAY_TRACING_NAME: 'backend-flask' }));

      expect(code).to.equal(EXIT.ok);
      expect(stand.xray.group('Cruddur')?.FilterExpression).to.equal('service("backend-flask")');
      expect(stand.xray.group('CruddurErrors')?.FilterExpression).to.equal('service("backend-flask") { fault = true OR error = true }');
    });

    it('creates the log group named by CLOUDWATCH_LOG_GROUP with its retention', async function () {
      await runCommand('apply', stand.env({ CLOUDWATCH_LOG_GROUP: 'cruddur-prod' }));

      expect(stand.logs.logGroupNames()).to.deep.equal(['cruddur-prod']);
      expect(stand.logs.retentionInDays('cruddur-prod')).to.equal(30);
    });

    it('saves the queries in the dataset named by OTEL_SERVICE_NAME', async function () {
      stand.honeycomb.addDataset('cruddur-staging');

      await runCommand('apply', stand.env({ OTEL_SERVICE_NAME: 'cruddur-staging' }));

      expect(stand.honeycomb.annotations('cruddur-staging')).to.have.length(QUERY_NAMES.length);
      expect(stand.honeycomb.annotations(DATASET)).to.deep.equal([]);
    });
  });

  describe('once applied', function () {
    beforeEach(applied);

    it('plans nothing to change', async function () {
      const { code, output } = await runCommand('plan', stand.env());

      expect(code).to.equal(EXIT.ok);
      expect(output).to.include('Plan: 0 to create, 0 to update, 11 unchanged.');
    });

    it('changes nothing when applied a second time', async function () {
      const { code, output } = await runCommand('apply', stand.env());

      expect(code).to.equal(EXIT.ok);
      expect(stand.writes()).to.deep.equal([]);
      expect(output).to.include('Apply: 0 created, 0 updated, 0 failed, 0 not attempted.');
    });

    it('shows a changed query spec field by field', async function () {
      const dir = copy().editHoneycomb((doc) => {
        if (doc.queries[1]) doc.queries[1].spec.time_range = 86400;
      }).dir;

      const { output } = await runCommand('plan', stand.env(), { definitionsDir: dir });

      expect(output).to.include('~ update query "Latency by user" (spec.time_range: 7200 → 86400)');
      expect(output).to.include(`~ update board "${BOARD}" (panels[1]: "Latency by user" → "Latency by user (new query)")`);
      expect(output).to.include('Plan: 0 to create, 2 to update, 9 unchanged.');
    });

    it('saves a changed query under a new annotation, re-points the board and deletes the replaced annotation', async function () {
      const dir = copy().editHoneycomb((doc) => {
        if (doc.queries[1]) doc.queries[1].spec.time_range = 86400;
      }).dir;
      const before = stand.honeycomb.annotations(DATASET).find((a) => a.name === 'Latency by user');

      const { code } = await runCommand('apply', stand.env(), { definitionsDir: dir });

      expect(code).to.equal(EXIT.ok);
      expect(stand.writes()).to.deep.equal([
        'honeycomb createQuery',
        'honeycomb createAnnotation',
        'honeycomb updateBoard',
        'honeycomb deleteAnnotation',
      ]);
      const latency = stand.honeycomb.annotations(DATASET).filter((a) => a.name === 'Latency by user');
      expect(latency).to.have.length(1);
      expect(latency[0]?.id).to.not.equal(before?.id);
      expect(stand.honeycomb.query(latency[0]?.query_id ?? '')).to.deep.include({ time_range: 86400 });
      const panel = stand.honeycomb.boards()[0]?.panels[1]?.query_panel as { query_annotation_id: string };
      expect(panel.query_annotation_id).to.equal(latency[0]?.id);
    });

    it('updates a changed description in place', async function () {
      const dir = copy().editHoneycomb((doc) => {
        if (doc.queries[2]) doc.queries[2].description = 'Traces of the last ten minutes.';
      }).dir;

      await runCommand('apply', stand.env(), { definitionsDir: dir });

      expect(stand.writes()).to.deep.equal(['honeycomb updateAnnotation']);
      expect(stand.honeycomb.annotations(DATASET).find((a) => a.name === 'Recent traces')?.description).to.equal('Traces of the last ten minutes.');
    });

    it('updates a description by sending the whole annotation, its query_id included', async function () {
      const dir = copy().editHoneycomb((doc) => {
        if (doc.queries[2]) doc.queries[2].description = 'Traces of the last ten minutes.';
      }).dir;
      const recent = stand.honeycomb.annotations(DATASET).find((a) => a.name === 'Recent traces');

      await runCommand('apply', stand.env(), { definitionsDir: dir });

      expect(stand.honeycomb.callsOf('updateAnnotation').map((c) => [c.body, c.status])).to.deep.equal([
        [{ name: 'Recent traces', description: 'Traces of the last ten minutes.', query_id: recent?.query_id }, 200],
      ]);
    });

    it('updates only the sampling rule when its rate changes', async function () {
      const dir = copy().editXRay((doc) => {
        if (doc.sampling_rules[0]) doc.sampling_rules[0].fixed_rate = 0.2;
      }).dir;

      const { output } = await runCommand('apply', stand.env(), { definitionsDir: dir });

      expect(output).to.include('~ update sampling rule "Cruddur" (fixed_rate: 0.1 → 0.2)');
      expect(stand.writes()).to.deep.equal(['xray UpdateSamplingRule']);
      expect(stand.xray.samplingRule('Cruddur')?.FixedRate).to.equal(0.2);
    });

    it('updates only the group whose filter changes', async function () {
      const dir = copy().editXRay((doc) => {
        if (doc.groups[1]) doc.groups[1].filter_expression = 'service("${xray_name}") { fault = true }';
      }).dir;

      await runCommand('apply', stand.env(), { definitionsDir: dir });

      expect(stand.writes()).to.deep.equal(['xray UpdateGroup']);
      expect(stand.xray.group('CruddurErrors')?.FilterExpression).to.equal('service("cruddur-backend") { fault = true }');
    });

    it('updates only the retention when it changes', async function () {
      const dir = copy().editCloudWatch((doc) => {
        if (doc.log_groups[0]) doc.log_groups[0].retention_in_days = 90;
      }).dir;

      const { output } = await runCommand('apply', stand.env(), { definitionsDir: dir });

      expect(output).to.include('~ update log group "cruddur" (retention_in_days: 30 → 90)');
      expect(stand.writes()).to.deep.equal(['logs PutRetentionPolicy']);
    });
  });

  describe('on an account set up by hand', function () {
    it('plans a retention for a log group whose events never expire', async function () {
      const client = new CloudWatchLogsClient({ region: 'us-east-1', endpoint: stand.logs.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      await client.send(new CreateLogGroupCommand({ logGroupName: 'cruddur' }));
      client.destroy();

      const { output } = await runCommand('plan', stand.env(), { only: ['cloudwatch'] });

      expect(output).to.include('~ update log group "cruddur" (retention_in_days: "never expire" → 30)');
    });

    it('keeps one annotation when several have the name of a query', async function () {
      await applied();
      const kept = stand.honeycomb.annotations(DATASET).find((a) => a.name === 'Recent traces');
      const duplicate = stand.honeycomb.saveAnnotation(DATASET, { name: 'Recent traces', query_id: kept?.query_id ?? '' });

      const { output } = await runCommand('apply', stand.env(), { only: ['honeycomb'] });

      expect(output).to.include('~ update query "Recent traces" (annotations named so: 2 → 1)');
      expect(stand.honeycomb.annotations(DATASET).map((a) => a.id)).to.include(kept?.id).and.not.include(duplicate.id);
    });
  });

  describe('with invalid definitions', function () {
    it('fails before calling any API', async function () {
      const dir = copy().editXRay((doc) => {
        if (doc.sampling_rules[0]) doc.sampling_rules[0].priority = 0;
      }).dir;

      const { code, output } = await runCommand('apply', stand.env(), { definitionsDir: dir });

      expect(code).to.equal(EXIT.invalid);
      expect(output).to.include('xray.yaml: /sampling_rules/0/priority: must be >= 1');
      expect(stand.callCount()).to.equal(0);
    });
  });

  describe('with an invalid service configuration', function () {
    it('fails before calling any API, naming the variable', async function () {
      const { code, output } = await runCommand('plan', stand.env({ HONEYCOMB_API_URL: 'api.honeycomb.io' }));

      expect(code).to.equal(EXIT.invalid);
      expect(output).to.include('HONEYCOMB_API_URL must be an http:// or https:// URL');
      expect(stand.callCount()).to.equal(0);
    });
  });

  describe('without HONEYCOMB_CONFIGURATION_KEY', function () {
    const env = (): Record<string, string | undefined> => stand.env({ HONEYCOMB_CONFIGURATION_KEY: undefined });

    it('plans the rest and says Honeycomb is skipped and why', async function () {
      const { code, output } = await runCommand('plan', env());

      expect(code).to.equal(EXIT.ok);
      expect(output).to.include('skipped: HONEYCOMB_CONFIGURATION_KEY is not set');
      expect(output).to.include('+ create sampling rule "Cruddur"');
      expect(stand.honeycomb.calls).to.deep.equal([]);
    });

    it('applies the rest and fails naming the variable', async function () {
      const { code, output } = await runCommand('apply', env());

      expect(code).to.equal(EXIT.failed);
      expect(output).to.include('Not applied to: Honeycomb (HONEYCOMB_CONFIGURATION_KEY is not set).');
      expect(stand.xray.samplingRule('Cruddur')).to.not.equal(undefined);
    });

    it('applies the others without failing when only they are asked for', async function () {
      const { code } = await runCommand('apply', env(), { only: ['xray', 'cloudwatch'] });

      expect(code).to.equal(EXIT.ok);
    });
  });

  describe('without AWS_REGION', function () {
    it('skips X-Ray and CloudWatch Logs when planning, saying why', async function () {
      const { code, output } = await runCommand('plan', stand.env({ AWS_REGION: undefined }));

      expect(code).to.equal(EXIT.ok);
      expect(output.match(/skipped: AWS_REGION is not set/g)).to.have.length(2);
      expect(stand.xray.calls.length + stand.logs.calls.length).to.equal(0);
    });
  });

  describe('when Honeycomb refuses the key', function () {
    it('says a 401 means the key is not a configuration key of the environment', async function () {
      const { code, output } = await runCommand('plan', stand.env({ HONEYCOMB_CONFIGURATION_KEY: 'an-ingest-key' }));

      expect(code).to.equal(EXIT.failed);
      expect(output).to.include('failed: Honeycomb rejected HONEYCOMB_CONFIGURATION_KEY (401 on GET /1/query_annotations/cruddur-backend');
      expect(output).to.include('an ingest key cannot manage queries, boards or markers');
    });

    it('names the missing permission on a 403', async function () {
      stand.honeycomb.addKey('queries-only', { boards: false });

      const { code, output } = await runCommand('plan', stand.env({ HONEYCOMB_CONFIGURATION_KEY: 'queries-only' }));

      expect(code).to.equal(EXIT.failed);
      expect(output).to.include('HONEYCOMB_CONFIGURATION_KEY lacks the "Manage Public Boards" permission (403 on GET /1/boards');
    });

    it('still plans X-Ray and CloudWatch Logs', async function () {
      const { output } = await runCommand('plan', stand.env({ HONEYCOMB_CONFIGURATION_KEY: 'an-ingest-key' }));

      expect(output).to.include('+ create sampling rule "Cruddur"');
      expect(output).to.include('+ create log group "cruddur"');
    });
  });

  describe('when rate limited', function () {
    it('retries a Honeycomb call after the Retry-After delay', async function () {
      stand.honeycomb.failNext(1, { kind: 'rate-limit', retryAfter: '1' }, 'createBoard');
      const started = Date.now();

      const { code } = await runCommand('apply', stand.env(), { only: ['honeycomb'] });

      expect(code).to.equal(EXIT.ok);
      expect(stand.honeycomb.callsOf('createBoard').map((c) => c.status)).to.deep.equal([429, 201]);
      expect(Date.now() - started).to.be.at.least(950);
    });

    it('says so when Honeycomb keeps rate limiting', async function () {
      stand.honeycomb.failNext(5, { kind: 'rate-limit', retryAfter: '0' }, 'listAnnotations');

      const { code, output } = await runCommand('plan', stand.env(), { only: ['honeycomb'] });

      expect(code).to.equal(EXIT.unavailable);
      expect(output).to.include('Honeycomb kept rate limiting GET /1/query_annotations/cruddur-backend (429 after 5 attempts');
    });

    it('retries a throttled X-Ray call', async function () {
      stand.xray.failNext(2, { kind: 'throttle' }, 'CreateSamplingRule');

      const { code } = await runCommand('apply', stand.env(), { only: ['xray'] });

      expect(code).to.equal(EXIT.ok);
      expect(stand.xray.callsOf('CreateSamplingRule').map((c) => c.status)).to.deep.equal([429, 429, 200]);
    });

    it('retries a throttled CloudWatch Logs call', async function () {
      stand.logs.failNext(1, { kind: 'throttle' }, 'PutRetentionPolicy');

      const { code } = await runCommand('apply', stand.env(), { only: ['cloudwatch'] });

      expect(code).to.equal(EXIT.ok);
      expect(stand.logs.retentionInDays('cruddur')).to.equal(30);
    });
  });

  describe('when a change fails', function () {
    it('names the IAM permission X-Ray denied and applies the other items', async function () {
      stand.xray.failNext(1, { kind: 'access-denied' }, 'CreateSamplingRule');

      const { code, output } = await runCommand('apply', stand.env(), { only: ['xray'] });

      expect(code).to.equal(EXIT.failed);
      expect(output).to.include(
        'FAILED to create sampling rule "Cruddur": xray:CreateSamplingRule was denied: the AWS credentials lack the IAM permission xray:CreateSamplingRule',
      );
      expect(output).to.include('created group "Cruddur"');
      expect(output).to.include('Apply: 2 created, 0 updated, 1 failed, 0 not attempted.');
    });

    it('reports a log group created without its retention, and plans the retention again', async function () {
      stand.logs.failNext(5, { kind: 'error', status: 400, type: 'AccessDeniedException', message: 'not authorized to perform: logs:PutRetentionPolicy' }, 'PutRetentionPolicy');

      const { code, output } = await runCommand('apply', stand.env(), { only: ['cloudwatch'] });
      const again = await runCommand('plan', stand.env(), { only: ['cloudwatch'] });

      expect(code).to.equal(EXIT.failed);
      expect(output).to.include('FAILED to create log group "cruddur": log group created; then: logs:PutRetentionPolicy was denied');
      expect(again.output).to.include('~ update log group "cruddur" (retention_in_days: "never expire" → 30)');
    });

    it('does not attempt the board when one of its queries failed', async function () {
      stand.honeycomb.failNext(1, { kind: 'status', status: 400, error: 'invalid annotation' }, 'createAnnotation');

      const { code, output } = await runCommand('apply', stand.env(), { only: ['honeycomb'] });

      expect(code).to.equal(EXIT.failed);
      expect(output).to.match(/FAILED to create query "Request size based on user tag": query \S+ saved; then creating its annotation failed: Honeycomb answered 400/);
      expect(output).to.include(`not attempted: board "${BOARD}": its panels need the queries "Request size based on user tag", which failed`);
      expect(stand.honeycomb.boards()).to.deep.equal([]);
    });

    it('keeps a replaced annotation, and says so, when the board could not be re-pointed', async function () {
      await applied();
      const dir = copy().editHoneycomb((doc) => {
        if (doc.queries[3]) doc.queries[3].spec.time_range = 3600;
      }).dir;
      stand.honeycomb.failNext(1, { kind: 'status', status: 400, error: 'invalid board' }, 'updateBoard');

      const { code, output } = await runCommand('apply', stand.env(), { definitionsDir: dir, only: ['honeycomb'] });

      expect(code).to.equal(EXIT.failed);
      expect(output).to.match(/FAILED to update query "Slowest root spans": new annotation saved; the replaced one \(\S+\) was kept because the board was not updated: run apply again/);
      expect(stand.honeycomb.annotations(DATASET).filter((a) => a.name === 'Slowest root spans')).to.have.length(2);
    });

    it('finishes the replacement on the next apply', async function () {
      await applied();
      const dir = copy().editHoneycomb((doc) => {
        if (doc.queries[3]) doc.queries[3].spec.time_range = 3600;
      }).dir;
      stand.honeycomb.failNext(1, { kind: 'status', status: 400, error: 'invalid board' }, 'updateBoard');
      await runCommand('apply', stand.env(), { definitionsDir: dir, only: ['honeycomb'] });

      const { code } = await runCommand('apply', stand.env(), { definitionsDir: dir, only: ['honeycomb'] });
      const again = await runCommand('plan', stand.env(), { definitionsDir: dir, only: ['honeycomb'] });

      expect(code).to.equal(EXIT.ok);
      expect(stand.honeycomb.annotations(DATASET).filter((a) => a.name === 'Slowest root spans')).to.have.length(1);
      expect(again.output).to.include('Plan: 0 to create, 0 to update, 7 unchanged.');
    });
  });
  describe('when the APIs are down', function () {
    /** No waits between Honeycomb's retries: the number of attempts is what is under test, not the delays. */
    const quick = { honeycombLimits: { maxDelayMs: 0 } };

    it('exits 3, not 1, when Honeycomb keeps answering 5xx, and says loudly what was not applied', async function () {
      stand.honeycomb.failNext(100, { kind: 'status', status: 503, error: 'service unavailable' });

      const { code, output } = await runCommand('apply', stand.env(), { only: ['honeycomb'], ...quick });

      expect(code).to.equal(EXIT.unavailable);
      expect(output).to.include('Honeycomb kept failing GET /1/query_annotations/cruddur-backend (503 after 5 attempts');
      expect(output).to.match(/^OUTCOME: DEFERRED\. Honeycomb unreachable or failing on their side after retries: not applied; exit code 3\./m);
    });

    it('exits 0 with tolerateOutage when no API can be reached, naming each system not applied', async function () {
      const env = stand.env({
        HONEYCOMB_API_URL: `http://127.0.0.1:${String(await closedPort())}`,
        XRAY_ENDPOINT: `http://127.0.0.1:${String(await closedPort())}`,
        CLOUDWATCH_ENDPOINT: `http://127.0.0.1:${String(await closedPort())}`,
      });

      const { code, output } = await runCommand('apply', env, { tolerateOutage: true, ...quick });

      expect(code, output).to.equal(EXIT.ok);
      expect(output).to.match(/^OUTCOME: DEFERRED\. Honeycomb, X-Ray, CloudWatch Logs unreachable .*exiting 0 \(--tolerate-outage\) so the release goes on/m);
    });

    it('exits 0 with tolerateOutage when X-Ray and CloudWatch Logs keep answering 5xx', async function () {
      stand.xray.failNext(100, { kind: 'error', status: 503, type: 'ServiceUnavailableException', message: 'unavailable' });
      stand.logs.failNext(100, { kind: 'server-error', status: 503 });

      const { code, output } = await runCommand('apply', stand.env(), { only: ['xray', 'cloudwatch'], tolerateOutage: true });

      expect(code, output).to.equal(EXIT.ok);
      expect(output).to.include('OUTCOME: DEFERRED. X-Ray, CloudWatch Logs unreachable');
    });

    it('still exits 1 with tolerateOutage when an API refuses the request', async function () {
      const { code, output } = await runCommand('apply', stand.env({ HONEYCOMB_CONFIGURATION_KEY: 'an-ingest-key' }), { only: ['honeycomb'], tolerateOutage: true });

      expect(code).to.equal(EXIT.failed);
      expect(output).not.to.include('OUTCOME: DEFERRED');
    });

    it('makes no more calls to an API that went down during apply, marking the rest not attempted', async function () {
      stand.honeycomb.failNext(100, { kind: 'status', status: 502, error: 'bad gateway' }, 'createAnnotation');

      const { code, output } = await runCommand('apply', stand.env(), { only: ['honeycomb'], ...quick });

      expect(code).to.equal(EXIT.unavailable);
      expect(stand.honeycomb.callsOf('createAnnotation')).to.have.length(5);
      expect(stand.honeycomb.callsOf('createQuery')).to.have.length(1);
      expect(output).to.include(`not attempted: board "${BOARD}": the API was unavailable`);
    });
  });
});
