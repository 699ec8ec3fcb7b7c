import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand, InvalidParameterException, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateGroupCommand,
  CreateSamplingRuleCommand,
  GetGroupsCommand,
  GetSamplingRulesCommand,
  InvalidRequestException,
  UpdateSamplingRuleCommand,
  XRayClient,
  type XRayServiceException,
} from '@aws-sdk/client-xray';
import { expect } from 'chai';
import { CloudWatchLogs, HoneycombApi, XRayApi } from '../support/stand-ins/index.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** The SDK error a call failed with. */
async function rejection(promise: Promise<unknown>): Promise<XRayServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as XRayServiceException;
  }
  throw new Error('expected the call to fail');
}

const RULE = {
  RuleName: 'Cruddur',
  ResourceARN: '*',
  Priority: 9000,
  FixedRate: 0.1,
  ReservoirSize: 5,
  ServiceName: 'cruddur-backend',
  ServiceType: '*',
  Host: '*',
  HTTPMethod: '*',
  URLPath: '*',
  Version: 1,
};

describe('observability stand-ins', function () {
  describe('X-Ray API', function () {
    const api = new XRayApi();
    let client: XRayClient;
    before(async () => {
      await api.start();
      client = new XRayClient({ region: 'us-east-1', endpoint: api.url, credentials, maxAttempts: 1 });
    });
    after(async () => {
      client.destroy();
      await api.stop();
    });
    afterEach(() => {
      api.reset();
    });

    it('creates and lists groups for the SDK client', async function () {
      await client.send(new CreateGroupCommand({ GroupName: 'Cruddur', FilterExpression: 'service("cruddur-backend")' }));

      const { Groups } = await client.send(new GetGroupsCommand({}));

      expect(Groups?.map((g) => [g.GroupName, g.FilterExpression])).to.deep.equal([['Cruddur', 'service("cruddur-backend")']]);
    });

    it('records the path operation and the SigV4 scope of each call', async function () {
      await client.send(new GetGroupsCommand({}));

      expect(api.calls[0]).to.deep.include({ operation: 'GetGroups', status: 200 });
      expect(api.calls[0]?.signedWith).to.deep.include({ region: 'us-east-1', service: 'xray' });
    });

    it('starts every account with the Default sampling rule', async function () {
      const { SamplingRuleRecords } = await client.send(new GetSamplingRulesCommand({}));

      expect(SamplingRuleRecords?.map((r) => [r.SamplingRule?.RuleName, r.SamplingRule?.Priority])).to.deep.equal([['Default', 10000]]);
    });

    it('creates a sampling rule and gives it back with its ARN and dates', async function () {
      const { SamplingRuleRecord } = await client.send(new CreateSamplingRuleCommand({ SamplingRule: RULE }));

      expect(SamplingRuleRecord?.SamplingRule).to.deep.include({ ...RULE, RuleARN: 'arn:aws:xray:us-east-1:000000000000:sampling-rule/Cruddur' });
      expect(SamplingRuleRecord?.CreatedAt).to.be.instanceOf(Date);
    });

    it('updates the fields a SamplingRuleUpdate carries', async function () {
      await client.send(new CreateSamplingRuleCommand({ SamplingRule: RULE }));

      await client.send(new UpdateSamplingRuleCommand({ SamplingRuleUpdate: { RuleName: 'Cruddur', FixedRate: 0.5 } }));

      expect(api.samplingRule('Cruddur')).to.deep.include({ FixedRate: 0.5, Priority: 9000 });
    });

    it('answers a second CreateGroup of a name with InvalidRequestException', async function () {
      await client.send(new CreateGroupCommand({ GroupName: 'Cruddur', FilterExpression: 'ok' }));

      const error = await rejection(client.send(new CreateGroupCommand({ GroupName: 'Cruddur', FilterExpression: 'ok' })));

      expect(error).to.be.instanceOf(InvalidRequestException);
    });

    it('refuses a sampling rule with a priority out of bounds', async function () {
      const error = await rejection(client.send(new CreateSamplingRuleCommand({ SamplingRule: { ...RULE, Priority: 0 } })));

      expect(error).to.be.instanceOf(InvalidRequestException);
    });

    it('answers injected throttling with a 429 ThrottledException', async function () {
      api.failNext(1, { kind: 'throttle' });

      const error = await rejection(client.send(new GetGroupsCommand({})));

      expect(error.name).to.equal('ThrottledException');
      expect(error.$metadata.httpStatusCode).to.equal(429);
    });

    it('answers an injected denial with a 403 AccessDeniedException naming the action', async function () {
      api.failNext(1, { kind: 'access-denied' }, 'CreateGroup');

      const error = await rejection(client.send(new CreateGroupCommand({ GroupName: 'Cruddur', FilterExpression: 'ok' })));

      expect(error.name).to.equal('AccessDeniedException');
      expect(error.$metadata.httpStatusCode).to.equal(403);
      expect(error.message).to.include('xray:CreateGroup');
    });

    it('refuses an unsigned request with MissingAuthenticationTokenException', async function () {
      const response = await fetch(`${api.url}/Groups`, { method: 'POST', body: '{}' });

      expect(response.status).to.equal(403);
      expect(response.headers.get('x-amzn-errortype')).to.equal('MissingAuthenticationTokenException');
    });
  });

  describe('CloudWatch Logs retention', function () {
    const logs = new CloudWatchLogs();
    let client: CloudWatchLogsClient;
    before(async () => {
      await logs.start();
      client = new CloudWatchLogsClient({ region: 'us-east-1', endpoint: logs.url, credentials, maxAttempts: 1 });
    });
    after(async () => {
      client.destroy();
      await logs.stop();
    });
    afterEach(() => {
      logs.reset();
    });

    it('shows the retention PutRetentionPolicy set in DescribeLogGroups', async function () {
      await client.send(new CreateLogGroupCommand({ logGroupName: 'cruddur' }));

      await client.send(new PutRetentionPolicyCommand({ logGroupName: 'cruddur', retentionInDays: 30 }));

      const { logGroups } = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'cruddur' }));
      expect(logGroups?.[0]?.retentionInDays).to.equal(30);
    });

    it('leaves retentionInDays out for a group whose events never expire', async function () {
      await client.send(new CreateLogGroupCommand({ logGroupName: 'cruddur' }));

      const { logGroups } = await client.send(new DescribeLogGroupsCommand({}));

      expect(logGroups?.[0]).to.not.have.property('retentionInDays');
    });

    it('refuses a retention period CloudWatch does not offer', async function () {
      await client.send(new CreateLogGroupCommand({ logGroupName: 'cruddur' }));

      const error = await rejection(client.send(new PutRetentionPolicyCommand({ logGroupName: 'cruddur', retentionInDays: 42 })));

      expect(error).to.be.instanceOf(InvalidParameterException);
    });
  });

  describe('Honeycomb API', function () {
    const api = new HoneycombApi();
    const call = (method: string, path: string, body?: unknown, key = 'key'): Promise<Response> =>
      fetch(`${api.url}${path}`, {
        method,
        headers: { 'x-honeycomb-team': key, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    before(async () => api.start());
    after(async () => api.stop());
    beforeEach(() => {
      api.addKey('key');
      api.addDataset('cruddur-backend');
    });
    afterEach(() => {
      api.reset();
    });

    it('gives the same id to the same query spec', async function () {
      const spec = { calculations: [{ op: 'COUNT' }], breakdowns: ['name'] };

      const first = (await (await call('POST', '/1/queries/cruddur-backend', spec)).json()) as { id: string };
      const second = (await (await call('POST', '/1/queries/cruddur-backend', { breakdowns: ['name'], calculations: [{ op: 'COUNT' }] })).json()) as { id: string };

      expect(second.id).to.equal(first.id);
    });

    it('refuses to change the query of an annotation', async function () {
      const queryId = api.saveQuery('cruddur-backend', { calculations: [{ op: 'COUNT' }] });
      const annotation = api.saveAnnotation('cruddur-backend', { name: 'Count', query_id: queryId });
      const other = api.saveQuery('cruddur-backend', { calculations: [{ op: 'MAX', column: 'duration_ms' }] });

      const response = await call('PUT', `/1/query_annotations/cruddur-backend/${annotation.id}`, { name: 'Count', query_id: other });

      expect(response.status).to.equal(400);
    });

    it('refuses an annotation update without its query_id, with an error body (partial updates are not supported)', async function () {
      const queryId = api.saveQuery('cruddur-backend', { calculations: [{ op: 'COUNT' }] });
      const annotation = api.saveAnnotation('cruddur-backend', { name: 'Count', query_id: queryId });

      const response = await call('PUT', `/1/query_annotations/cruddur-backend/${annotation.id}`, { name: 'Count', description: 'All spans.' });

      expect([response.status, await response.json()]).to.deep.equal([400, { error: 'query_id is required' }]);
    });

    it('refuses an annotation without a name, with an error body', async function () {
      const queryId = api.saveQuery('cruddur-backend', { calculations: [{ op: 'COUNT' }] });

      const response = await call('POST', '/1/query_annotations/cruddur-backend', { query_id: queryId });

      expect([response.status, await response.json()]).to.deep.equal([400, { error: 'name is required' }]);
    });

    it('creates an annotation with 201', async function () {
      const queryId = api.saveQuery('cruddur-backend', { calculations: [{ op: 'COUNT' }] });

      const response = await call('POST', '/1/query_annotations/cruddur-backend', { name: 'Count', query_id: queryId });

      expect(response.status).to.equal(201);
    });

    it('deletes an annotation with 204', async function () {
      const queryId = api.saveQuery('cruddur-backend', { calculations: [{ op: 'COUNT' }] });
      const annotation = api.saveAnnotation('cruddur-backend', { name: 'Count', query_id: queryId });

      const response = await call('DELETE', `/1/query_annotations/cruddur-backend/${annotation.id}`);

      expect([response.status, api.annotations('cruddur-backend')]).to.deep.equal([204, []]);
    });

    it('answers an unknown key with 401', async function () {
      const response = await call('GET', '/1/boards', undefined, 'nope');

      expect(response.status).to.equal(401);
      expect(await response.json()).to.deep.equal({ error: 'unknown API key - check your credentials' });
    });

    it('answers a key without the boards permission with 403 on boards only', async function () {
      api.addKey('queries-only', { boards: false });

      const boards = await call('GET', '/1/boards', undefined, 'queries-only');
      const annotations = await call('GET', '/1/query_annotations/cruddur-backend', undefined, 'queries-only');

      expect([boards.status, annotations.status]).to.deep.equal([403, 200]);
    });

    it('answers 404 for a dataset that has no events yet', async function () {
      const response = await call('GET', '/1/query_annotations/nobody');

      expect(response.status).to.equal(404);
    });

    it('refuses a board panel whose annotation is not of its query', async function () {
      const queryId = api.saveQuery('cruddur-backend', { calculations: [{ op: 'COUNT' }] });

      const response = await call('POST', '/1/boards', {
        name: 'Board',
        type: 'flexible',
        panels: [{ type: 'query', query_panel: { query_id: queryId, query_annotation_id: 'missing' } }],
      });

      expect(response.status).to.equal(400);
    });

    it('answers an injected rate limit with 429 and its headers', async function () {
      api.failNext(1, { kind: 'rate-limit', retryAfter: '3', rateLimit: 'limit=100, remaining=0, reset=3' });

      const response = await call('GET', '/1/boards');

      expect(response.status).to.equal(429);
      expect(response.headers.get('retry-after')).to.equal('3');
      expect(response.headers.get('ratelimit')).to.equal('limit=100, remaining=0, reset=3');
    });

    describe('markers', function () {
      it('creates a marker with 201 and gives it back with an id, then in the list', async function () {
        const response = await call('POST', '/1/markers/cruddur-backend', { type: 'deploy', message: 'v1', start_time: 1764590000 });
        const created = (await response.json()) as { id: string };

        const list = (await (await call('GET', '/1/markers/cruddur-backend')).json()) as { id: string; message: string }[];

        expect(response.status).to.equal(201);
        expect(created.id).to.be.a('string').and.not.equal('');
        expect(list.map((m) => [m.id, m.message])).to.deep.equal([[created.id, 'v1']]);
      });

      it('takes every field as optional, with start_time now in seconds', async function () {
        const before = Math.floor(Date.now() / 1000);

        const created = (await (await call('POST', '/1/markers/cruddur-backend', {})).json()) as { start_time: number };

        expect(created.start_time).to.be.within(before, before + 5);
      });

      it('refuses times in milliseconds or with a fraction', async function () {
        const millis = await call('POST', '/1/markers/cruddur-backend', { start_time: Date.now() });
        const fraction = await call('POST', '/1/markers/cruddur-backend', { end_time: 1764590000.5 });

        expect([millis.status, fraction.status]).to.deep.equal([400, 400]);
        expect(api.markers('cruddur-backend')).to.deep.equal([]);
      });

      it('takes markers for the whole environment under __all__', async function () {
        const response = await call('POST', '/1/markers/__all__', { type: 'deploy' });

        expect(response.status).to.equal(201);
        expect(api.markers('__all__')).to.have.length(1);
      });

      it('has no GET of a single marker', async function () {
        const { id } = api.saveMarker('cruddur-backend', { message: 'v1' });

        const response = await call('GET', `/1/markers/cruddur-backend/${id}`);

        expect(response.status).to.equal(404);
      });

      it('replaces the whole marker on PUT', async function () {
        const { id } = api.saveMarker('cruddur-backend', { message: 'v1', type: 'deploy', url: 'https://example.com' });

        await call('PUT', `/1/markers/cruddur-backend/${id}`, { message: 'v2' });

        const [marker] = api.markers('cruddur-backend');
        expect(marker).to.include({ id, message: 'v2' });
        expect(marker).not.to.have.any.keys('type', 'url');
      });

      it('answers a key without "Manage Markers" with 403 on markers only', async function () {
        api.addKey('no-markers', { markers: false });

        const markers = await call('GET', '/1/markers/cruddur-backend', undefined, 'no-markers');
        const boards = await call('GET', '/1/boards', undefined, 'no-markers');

        expect([markers.status, boards.status]).to.deep.equal([403, 200]);
      });
    });
  });
});
