import { expect } from 'chai';
import { HEALTHY_MIX, Load, type LoadResult } from '../support/e2e/load';
import { PipelineStack } from '../support/e2e/stack';
import { eventually } from '../support/e2e/tools';

/** What CloudWatch answers PutLogEvents "for a while": throttling first, then server errors, then success. */
const REFUSALS = [
  { count: 3, failure: { kind: 'throttle' }, type: 'ThrottlingException' },
  { count: 2, failure: { kind: 'server-error', status: 503 }, type: 'ServiceUnavailableException' },
  { count: 1, failure: { kind: 'server-error', status: 500 }, type: 'InternalFailure' },
] as const;

describe('drill: CloudWatch Logs throttles and fails for a while', function () {
  this.timeout(90_000);
  const stack = new PipelineStack();
  let results: LoadResult[] = [];

  before(async function () {
    this.timeout(60_000);
    await stack.start();
    // The start-up lines are shipped first: the group and stream exist, refusals now hit PutLogEvents only.
    await eventually(() => stack.cloudwatch.callsOf('PutLogEvents').find((call) => call.status === 200), () => 'the first PutLogEvents');
    for (const { count, failure } of REFUSALS) stack.cloudwatch.failNext(count, failure, 'PutLogEvents');
    results = await new Load(stack.url(''), HEALTHY_MIX, { workers: 2, pauseMs: 50, maxRequests: 60, maxDurationMs: 15_000 }, 'throttled')
      .start()
      .finished();
  });
  after(async () => {
    await stack.stop();
  });

  it('keeps answering 2xx while CloudWatch refuses', () => {
    expect(results).to.have.length(60);
    expect(results.filter((r) => r.status !== 200)).to.deep.equal([]);
  });

  it('was refused as planned: ThrottlingException, then 503 and 500', async () => {
    const refused = await eventually(
      () => {
        const calls = stack.cloudwatch.callsOf('PutLogEvents').filter((call) => call.errorType !== undefined);
        return calls.length === 6 ? calls : undefined;
      },
      () => `6 refused PutLogEvents; got ${stack.cloudwatch.callsOf('PutLogEvents').map((c) => c.errorType ?? c.status).join(', ')}`,
      30_000,
    );
    expect(refused.map((call) => call.errorType)).to.deep.equal(REFUSALS.flatMap(({ count, type }) => Array<string>(count).fill(type)));
    expect(refused.map((call) => call.status)).to.deep.equal([400, 400, 400, 503, 503, 500]);
  });

  it('retries until every request line has arrived, exactly once and in order', async () => {
    const ids = results.map((r) => r.requestId);
    const lines = await eventually(
      () => {
        const shipped = stack.shippedLogs().filter((line) => line.message === 'request completed');
        return ids.every((id) => shipped.some((line) => line.request_id === id)) ? shipped : undefined;
      },
      () => `request lines of ${ids.length} requests; ${stack.shippedLogs().length} lines shipped so far`,
      40_000,
      200,
    );
    for (const id of ids) expect(lines.filter((line) => line.request_id === id), id).to.have.length(1);
    const timestamps = stack.cloudwatch.events(stack.logGroup, stack.logStream).map((event) => event.timestamp);
    expect(timestamps).to.deep.equal([...timestamps].sort((a, b) => a - b));
  });

  it('dropped nothing (the transport would say so on stderr)', () => {
    expect(stack.service.stderr()).to.not.match(/dropped/i);
  });
});
