import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { builtImage, Container, inspect, renderedConfigFolder } from '../support/docker';
import { type ServiceProcess, startService } from '../support/process';
import { SAMPLE_EVERYTHING } from '../support/telemetry-stack';

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The stand-in's stdout records: `{"stand_in":"xray-daemon", "segment"|"rejected"|"listening": …}`. */
function records(container: Container): Record<string, unknown>[] {
  return container.logs().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function waitForRecord(container: Container, accept: (record: Record<string, unknown>) => boolean, timeoutMs = 10_000) {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await settle(100)) {
    const found = records(container).find(accept);
    if (found) return found;
  }
  throw new Error(`no matching record from the X-Ray daemon stand-in:\n${container.logs()}`);
}

describe('the X-Ray daemon stand-in image', () => {
  const image = builtImage('XRAY_STAND_IN_IMAGE');
  let container: Container;
  let dir: string;
  let udpPort: number;
  let tcpPort: number;

  beforeEach(async () => {
    dir = renderedConfigFolder('cruddur-backend-xray', 'cfg.yaml');
    // As the chart runs the daemon: its command, its config mounted at /etc/amazon/xray, its securityContext.
    container = Container.run(
      image,
      ['--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--volume', `${dir}:/etc/amazon/xray:ro`,
        '--publish', '127.0.0.1::2000/udp', '--publish', '127.0.0.1::2000/tcp', '--entrypoint', '/xray'],
      ['-c', '/etc/amazon/xray/cfg.yaml'],
    );
    await waitForRecord(container, (record) => record.listening !== undefined);
    udpPort = container.hostPort(2000, 'udp');
    tcpPort = container.hostPort(2000, 'tcp');
  });

  afterEach(() => {
    container.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs as the daemon image does: /xray, a numeric non-root user', () => {
    expect(inspect(image, '{{json .Config.Entrypoint}}')).to.equal('["/xray"]');
    expect(inspect(image, '{{.Config.User}}')).to.match(/^[1-9]\d*:[1-9]\d*$/);
  });

  it('listens where the chart\'s daemon config says', async () => {
    expect(await waitForRecord(container, (record) => record.listening !== undefined)).to.deep.include({
      listening: { udp: '0.0.0.0:2000', tcp: '0.0.0.0:2000' },
    });
  });

  it('takes the segments the service\'s X-Ray SDK sends, and prints them', async () => {
    let service: ServiceProcess | undefined;
    try {
      service = await startService({ OTEL_SDK_DISABLED: 'true', AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${udpPort}`, XRAY_SAMPLING_RULES: SAMPLE_EVERYTHING });
      const res = await fetch(`http://127.0.0.1:${service.port}/api/activities/home`);
      const root = /Root=(1-[0-9a-f]{8}-[0-9a-f]{24})/.exec(res.headers.get('x-amzn-trace-id') ?? '')?.[1];
      const record = await waitForRecord(container, (r) => (r.segment as { trace_id?: string } | undefined)?.trace_id === root);
      expect(record.segment).to.deep.include({ name: 'cruddur-backend', trace_id: root });
    } finally {
      service?.child.kill('SIGTERM');
      await service?.exited;
    }
  });

  it('rejects a datagram without the daemon\'s header, and goes on taking segments', async () => {
    const socket = createSocket('udp4');
    const send = (text: string) => new Promise<void>((resolve, reject) => {
      socket.send(text, udpPort, '127.0.0.1', (err) => {
        if (err) reject(err);
        else resolve();
      });
    });
    try {
      await send('{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"53995c3f42cd8ad8"}');
      await waitForRecord(container, (record) => record.rejected === 'no header line');
      await send('{"format":"json","version":1}\n{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":"53995c3f42cd8ad8","name":"after"}');
      await waitForRecord(container, (record) => (record.segment as { name?: string } | undefined)?.name === 'after');
    } finally {
      socket.close();
    }
  });

  it('answers the SDK\'s centralized sampling call on its TCP port with no rules', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: tcpPort, method: 'POST', path: '/GetSamplingRules', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(answer.status).to.equal(200);
    expect(JSON.parse(answer.body)).to.deep.equal({ SamplingRuleRecords: [] });
  });
});
