import { expect } from 'chai';
import { HEALTHY_MIX, Load, type LoadResult } from '../support/e2e/load';
import { PipelineStack } from '../support/e2e/stack';
import { sleep } from '../support/e2e/tools';

const xrayId = (traceId: string): string => `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;

describe('drill: the X-Ray daemon is stopped and restarted', function () {
  this.timeout(60_000);
  const stack = new PipelineStack();
  let earlier: LoadResult[] = [];
  let during: LoadResult[] = [];
  let later: LoadResult[] = [];

  const run = (label: string) =>
    new Load(stack.url(''), HEALTHY_MIX, { workers: 2, pauseMs: 50, maxRequests: 40, maxDurationMs: 10_000 }, label).start().finished();

  before(async function () {
    this.timeout(60_000);
    await stack.start();
    const port = stack.xray.port;
    earlier = await run('earlier');
    await stack.xray.waitForSegments((doc) => doc.trace_id === xrayId(earlier.at(-1)?.traceId ?? ''), 10_000);
    await stack.xray.stop();
    // Datagrams to a closed port come back as ICMP "port unreachable": the SDK must shrug them off.
    during = await run('during');
    await stack.xray.start(port);
    later = await run('later');
    await sleep(500);
  });
  after(async () => {
    await stack.stop();
  });

  it('keeps answering 2xx while the daemon is down', () => {
    expect(during).to.have.length(40);
    expect(during.filter((r) => r.status !== 200), JSON.stringify(during.find((r) => r.status !== 200))).to.deep.equal([]);
    expect(stack.service.child.exitCode).to.equal(null);
    expect(stack.service.stderr()).to.not.match(/Unhandled|TypeError|\n\s+at /);
  });

  it('resumes sending a segment per request once the daemon is back on its port', async () => {
    for (const result of later) {
      await stack.xray.waitForSegments((doc) => doc.trace_id === xrayId(result.traceId), 10_000);
    }
    expect(stack.xray.malformed).to.deep.equal([]);
  });

  it('loses the segments sent while it was down (UDP, no buffer): only the daemon being back brings X-Ray back', () => {
    const received = new Set(stack.xray.segments.map((doc) => doc.trace_id));
    expect(earlier.every((r) => received.has(xrayId(r.traceId)))).to.equal(true);
    expect(during.filter((r) => received.has(xrayId(r.traceId)))).to.deep.equal([]);
  });

  it('keeps the other backends whole meanwhile: every request of the three phases reaches Honeycomb', async () => {
    const all = [...earlier, ...during, ...later];
    for (const result of all) {
      await stack.honeycomb.waitForSpans((span) => span.traceId === result.traceId, 20_000);
    }
  });
});
