import { expect } from 'chai';
import { builtImage, Container, get, inspect } from '../support/docker';

/** What the chart's securityContext asks of the app container, in docker's words; /tmp is the chart's emptyDir. */
const HARDENED = ['--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--tmpfs', '/tmp'];
const PUBLISHED = ['--publish', '127.0.0.1::4567'];

describe('the prod image, run hardened', () => {
  const image = builtImage('IMAGE');
  let container: Container | undefined;

  afterEach(() => {
    container?.remove();
    container = undefined;
  });

  async function startedAs(user: string[]): Promise<{ container: Container; port: number }> {
    container = Container.run(image, [...HARDENED, ...PUBLISHED, ...user]);
    const port = container.hostPort(4567);
    await container.waitFor(port, '/health', (answer) => answer.status === 200, 30_000);
    return { container, port };
  }

  it('declares a numeric non-root user', () => {
    expect(inspect(image, '{{.Config.User}}')).to.match(/^[1-9]\d*:[1-9]\d*$/);
  });

  it('answers /health, /ready and the API on a 127.0.0.1 port, read-only and without capabilities', async () => {
    const { port } = await startedAs([]);
    expect(await get(port, '/health')).to.deep.equal({ status: 200, body: 'Healthy' });
    expect(await get(port, '/ready')).to.deep.equal({ status: 200, body: 'Ready' });
    const home = await get(port, '/api/activities/home');
    expect(home?.status).to.equal(200);
    expect(JSON.parse(home?.body ?? 'null')).to.be.an('array').with.lengthOf(3);
  });

  it('serves its OpenAPI document', async () => {
    const { port } = await startedAs([]);
    const answer = await get(port, '/openapi.json');
    expect(answer?.status).to.equal(200);
    expect(JSON.parse(answer?.body ?? '{}')).to.have.property('openapi').that.matches(/^3\.1\./);
  });

  it('runs as the declared user with no capabilities at all', async () => {
    const { container: running } = await startedAs([]);
    const status = running.exec(['cat', '/proc/1/status']);
    const [uid, gid] = inspect(image, '{{.Config.User}}').split(':');
    expect(status).to.match(new RegExp(`^Uid:\\t${uid}\\t${uid}\\t${uid}\\t${uid}$`, 'm'));
    expect(status).to.match(new RegExp(`^Gid:\\t${gid}\\t`, 'm'));
    expect(status).to.match(/^CapEff:\t0{16}$/m);
    expect(status).to.match(/^NoNewPrivs:\t1$/m);
  });

  it('answers as an arbitrary uid in group 0, as OpenShift runs images', async () => {
    const { port, container: running } = await startedAs(['--user', '1000770000:0']);
    expect(running.exec(['cat', '/proc/1/status'])).to.match(/^Uid:\t1000770000\t/m);
    expect(await get(port, '/health')).to.deep.equal({ status: 200, body: 'Healthy' });
    expect((await get(port, '/api/activities/notifications'))?.status).to.equal(200);
  });

  it('runs node itself as PID 1, so it gets the SIGTERM', async () => {
    const { container: running } = await startedAs([]);
    const argv = running.exec(['cat', '/proc/1/cmdline']).split('\0').filter((arg) => arg !== '');
    expect(argv[0]).to.equal('node');
    expect(argv.slice(1)).to.deep.equal(['dist/src/main.js']);
  });

  it('cannot change its own code, which root owns', async () => {
    const { container: running } = await startedAs([]);
    expect(() => running.exec(['sh', '-c', 'echo x >> /app/dist/src/main.js'])).to.throw(/Permission denied|Read-only file system/);
  });

  it('writes nowhere but /tmp, not even in its own home', async () => {
    const { container: running } = await startedAs([]);
    expect(() => running.exec(['sh', '-c', 'echo x > /home/node/file'])).to.throw(/Read-only file system/);
    running.exec(['sh', '-c', 'echo x > /tmp/file']);
  });
});
