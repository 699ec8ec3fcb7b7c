import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

import { repoRoot } from './render';

const TRACE = '6745e1b2a1b2c3d4e5f60718293a4b5c';

const VERSION = '0.1.0+abc1234';
const QUERY_LINK = 'https://ui.honeycomb.io/cruddur/environments/dev/datasets/cruddur-backend?query=';

async function smoke(baseUrl: string, paths: string[], env: Record<string, string> = { SERVICE_VERSION: VERSION }): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)('bash', [path.join(repoRoot, 'k8s/smoke.sh'), ...paths], {
      env: { PATH: process.env.PATH, BASE_URL: baseUrl, AWS_REGION: 'eu-west-1', HONEYCOMB_TEAM: 'cruddur', HONEYCOMB_ENVIRONMENT: 'dev', ...env },
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

  /** The query specification of the one query template link the output has. */
  function linkedQuery(stdout: string): Record<string, unknown> {
    const links = stdout.split(/\s+/).filter((word) => word.startsWith(QUERY_LINK));
    expect(links, stdout).to.have.length(1);
    return JSON.parse(decodeURIComponent(links[0]?.slice(QUERY_LINK.length) ?? '')) as Record<string, unknown>;
  }

  it('prints, after the trace links, one Honeycomb query link comparing the versions over the last 15 minutes', async () => {
    const { stdout } = await smoke(baseUrl, ['/api/activities/home']);
    expect(stdout.indexOf(QUERY_LINK)).to.be.greaterThan(stdout.indexOf('/trace?trace_id='));
    expect(linkedQuery(stdout)).to.deep.include({ breakdowns: ['service.version'], time_range: 900 });
  });

  it('links the query of the saved "Errors and latency by version" (COUNT, error rate, P99 of duration_ms)', async () => {
    const { stdout } = await smoke(baseUrl, ['/api/activities/home']);
    const honeycomb = parse(readFileSync(path.join(repoRoot, 'service/observability/honeycomb.yaml'), 'utf8')) as { queries: { name: string; spec: object }[] };
    const { time_range: savedRange, ...saved } = honeycomb.queries.find((q) => q.name === 'Errors and latency by version')?.spec as Record<string, unknown>;
    const { time_range: linkedRange, ...linked } = linkedQuery(stdout);
    expect(savedRange).to.be.a('number').and.not.equal(linkedRange);
    expect(linked).to.deep.equal(saved);
  });

  it('prints the X-Ray filter expression for the version SERVICE_VERSION names', async () => {
    const { stdout } = await smoke(baseUrl, ['/api/activities/home']);
    expect(stdout).to.include(`annotation.version = "${VERSION}"`);
    expect(stdout).to.include('https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#xray:traces/query');
  });

  it('without SERVICE_VERSION still links the comparison and says what the X-Ray filter needs', async () => {
    const { stdout } = await smoke(baseUrl, ['/api/activities/home'], {});
    expect(linkedQuery(stdout)).to.have.property('breakdowns');
    expect(stdout).to.include('set SERVICE_VERSION');
    expect(stdout).not.to.include('annotation.version');
  });

  it('fails when a call does not answer 2xx', async () => {
    const { code, stdout } = await smoke(baseUrl, ['/api/activities/home', '/broken']);
    expect(code).to.equal(1);
    expect(stdout).to.include('FAIL 500 /broken');
  });
});
