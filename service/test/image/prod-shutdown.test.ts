import { expect } from 'chai';
import { find, podSpec, render } from '../deploy/render';
import { builtImage, Container, dockerAsync } from '../support/docker';
import { halfSentPost } from '../support/http';

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the prod image under docker stop', () => {
  const image = builtImage('IMAGE');
  let container: Container | undefined;

  afterEach(() => {
    container?.remove();
    container = undefined;
  });

  it('completes the request in flight and exits 0 within the chart\'s grace period', async function () {
    const grace = podSpec(find(render(), 'Deployment')).terminationGracePeriodSeconds;
    expect(grace).to.be.a('number');
    this.timeout((grace ?? 0) * 1000 + 30_000);
    container = Container.run(image, ['--read-only', '--cap-drop', 'ALL', '--tmpfs', '/tmp', '--publish', '127.0.0.1::4567']);
    const port = container.hostPort(4567);
    await container.waitFor(port, '/health', (answer) => answer.status === 200, 30_000);

    const post = halfSentPost(port, 'sent during docker stop');
    await settle(300);
    const started = Date.now();
    const stopped = dockerAsync(['stop', '--time', String(grace), container.id]);
    await settle(1_000);
    expect(container.running(), 'still draining the request in flight').to.equal(true);
    post.finish();
    const answer = await post.answered;
    expect(answer.status).to.equal(200);
    expect(JSON.parse(answer.body)).to.include({ message: 'sent during docker stop' });
    expect((await stopped).code).to.equal(0);
    expect(Date.now() - started).to.be.below((grace ?? 0) * 1000);
    expect(container.exitCode()).to.equal(0);
    expect(container.logs()).to.include('"message":"http server closed"');
  });
});
