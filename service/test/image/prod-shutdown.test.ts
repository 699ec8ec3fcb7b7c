import { expect } from 'chai';
import { find, podSpec, render } from '../deploy/render';
import { builtImage, Container, dockerAsync } from '../support/docker';
import { halfSentPost } from '../support/http';
import { jsonLines } from '../support/process';

const SHUTDOWN_LINES = ['shutting down', 'request completed', 'http server closed'];

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
    await post.received;
    // docker stop sends SIGTERM, then SIGKILL once the grace period has passed (exit code 137).
    const stopped = dockerAsync(['stop', '--time', String(grace), container.id]);
    await container.logged('shutting down', 30_000);
    post.finish();
    const answer = await post.answered;
    expect(answer.status).to.equal(200);
    expect(JSON.parse(answer.body)).to.include({ message: 'sent during docker stop' });
    expect((await stopped).code).to.equal(0);
    expect(container.exitCode(), 'exit code (137: killed at the end of the grace period)').to.equal(0);
    const messages = jsonLines(container.logs()).map((line) => String(line.message));
    expect(messages.filter((m) => SHUTDOWN_LINES.includes(m)), 'the server closed after the request completed').to.deep.equal(SHUTDOWN_LINES);
  });
});
