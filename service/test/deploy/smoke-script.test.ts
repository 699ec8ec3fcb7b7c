import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

import { repoRoot } from './render';

const TRACE = '6745e1b2a1b2c3d4e5f60718293a4b5c';

async function smoke(baseUrl: string, paths: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)('bash', [path.join(repoRoot, 'k8s/smoke.sh'), ...paths], {
      env: { PATH: process.env.PATH, BASE_URL: baseUrl, AWS_REGION: 'eu-west-1', HONEYCOMB_TEAM: 'cruddur', HONEYCOMB_ENVIRONMENT: 'dev' },
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe('k8s/smoke.sh', () => {
  let server: Server;
  let baseUrl = '';
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/api/activities/home') {
        res.setHeader('traceresponse', `00-${TRACE}-00f067aa0ba902b7-01`);
        res.setHeader('x-amzn-trace-id', `Root=1-${TRACE.slice(0, 8)}-${TRACE.slice(8)};Sampled=1`);
        res.end('[]');
      } else if (req.url === '/xray-only') {
        res.setHeader('X-Amzn-Trace-Id', `Root=1-${TRACE.slice(0, 8)}-${TRACE.slice(8)}`);
        res.end('ok');
      } else {
        res.statusCode = 500;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
  });

  it('prints the trace id with links to Honeycomb and the X-Ray console', async () => {
    const { code, stdout } = await smoke(baseUrl, ['/api/activities/home']);
    expect(code).to.equal(0);
    expect(stdout).to.include('OK   200 /api/activities/home');
    expect(stdout).to.include(`https://ui.honeycomb.io/cruddur/environments/dev/datasets/cruddur-backend/trace?trace_id=${TRACE}`);
    expect(stdout).to.include(`https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#xray:traces/1-${TRACE.slice(0, 8)}-${TRACE.slice(8)}`);
  });

  it('derives the OpenTelemetry trace id from an X-Ray header alone', async () => {
    const { stdout } = await smoke(baseUrl, ['/xray-only']);
    expect(stdout).to.include(`trace_id=${TRACE}`);
  });

  it('fails when a call does not answer 2xx', async () => {
    const { code, stdout } = await smoke(baseUrl, ['/api/activities/home', '/broken']);
    expect(code).to.equal(1);
    expect(stdout).to.include('FAIL 500 /broken');
  });
});
