import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { SignatureV4 } from '@smithy/signature-v4';
import { expect } from 'chai';
import { type AwsCredentials, NodeSha256 } from './stand-ins/aws-protocol.js';
import { XRayOtlp } from './stand-ins/index.js';

/** Temporary credentials, as IRSA or EKS Pod Identity give the collector. */
const CREDENTIALS: AwsCredentials = {
  accessKeyId: 'ASIAXRAYOTLPTEST0001',
  secretAccessKey: 'xray-otlp-stand-in-secret-access-key',
  sessionToken: 'xray-otlp-stand-in-session-token',
};
const MINUTE_MS = 60_000;

interface Signing {
  credentials?: AwsCredentials;
  service?: string;
  region?: string;
  signedAt?: Date;
  /** Sent instead of the body that was signed. */
  sentBody?: Uint8Array;
  /** Headers dropped after signing. */
  dropped?: string[];
  /** Signs without the host header (fetch sends one all the same). */
  hostUnsigned?: boolean;
  /** Whether the signer adds and signs X-Amz-Content-Sha256 (the JavaScript SDK's default; Go's signer does not). */
  contentSha256?: boolean;
}

describe('X-Ray OTLP endpoint stand-in', function () {
  const xray = new XRayOtlp({ credentials: CREDENTIALS, region: 'us-east-1' });
  let body: Uint8Array;
  before(async () => {
    await xray.start();
    body = ProtobufTraceSerializer.serializeRequest(await finishedSpans()) ?? new Uint8Array();
  });
  after(async () => xray.stop());
  afterEach(() => {
    xray.reset();
  });

  /** Two finished spans, parent and child, from a real provider. */
  async function finishedSpans(): Promise<ReadableSpan[]> {
    const memory = new InMemorySpanExporter();
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'cruddur-backend' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
    });
    const tracer = provider.getTracer('xray-otlp-test');
    const parent = tracer.startSpan('GET /api/activities/home');
    tracer.startSpan('mock-data', { attributes: { 'result-size': 5 } }, trace.setSpan(ROOT_CONTEXT, parent)).end();
    parent.end();
    await provider.forceFlush();
    return memory.getFinishedSpans();
  }

  /** POSTs `payload` to the stand-in as the OTLP/HTTP exporter does, signed by the AWS SDK's signer. */
  async function post(payload: Uint8Array, signing: Signing = {}): Promise<Response> {
    const url = new URL(xray.tracesUrl);
    const signer = new SignatureV4({
      credentials: signing.credentials ?? CREDENTIALS,
      region: signing.region ?? 'us-east-1',
      service: signing.service ?? 'xray',
      sha256: NodeSha256,
      applyChecksum: signing.contentSha256 ?? true,
    });
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        query: {},
        headers: { ...(signing.hostUnsigned ? {} : { host: url.host }), 'content-type': 'application/x-protobuf' },
        body: payload,
      },
      signing.signedAt === undefined ? {} : { signingDate: signing.signedAt },
    );
    const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => !signing.dropped?.includes(name)));
    return fetch(url, { method: 'POST', headers, body: signing.sentBody ?? payload });
  }

  async function refusal(response: Response): Promise<{ status: number; type: string | null; message: unknown }> {
    const answer = (await response.json()) as { message?: unknown };
    return { status: response.status, type: response.headers.get('x-amzn-errortype'), message: answer.message };
  }

  it('accepts an export signed by the AWS SDK signer with the test credentials, and decodes its spans with the signing scope', async function () {
    const response = await post(body);

    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal('application/x-protobuf');
    const [child] = await xray.waitForSpans((s) => s.name === 'mock-data');
    expect(child?.attributes).to.deep.equal({ 'result-size': 5 });
    expect(child?.resource).to.include({ 'service.name': 'cruddur-backend' });
    expect(child?.signedWith).to.deep.include({ accessKeyId: CREDENTIALS.accessKeyId, region: 'us-east-1', service: 'xray' });
    const [parent] = await xray.waitForSpans((s) => s.name === 'GET /api/activities/home');
    expect(child?.parentSpanId).to.equal(parent?.spanId);
  });

  it('accepts a signature without X-Amz-Content-Sha256, as the collector\'s sigv4auth (Go SDK) signs', async function () {
    const response = await post(body, { contentSha256: false });

    expect(response.status).to.equal(200);
  });

  it('refuses a signature made with another secret key: 403 InvalidSignatureException, no spans recorded', async function () {
    const response = await post(body, { credentials: { ...CREDENTIALS, secretAccessKey: 'not-the-secret' } });

    expect(await refusal(response)).to.deep.include({ status: 403, type: 'InvalidSignatureException' });
    expect(xray.requests[0]?.error).to.match(/^The request signature we calculated does not match the signature you provided/);
    expect(xray.spans()).to.deep.equal([]);
  });

  it('refuses a body changed after signing', async function () {
    const changed = Uint8Array.from(body);
    changed[changed.length - 1] = (changed.at(-1) ?? 0) ^ 1;

    const response = await post(body, { sentBody: changed });

    expect(await refusal(response)).to.deep.include({ status: 403, type: 'InvalidSignatureException' });
    expect(xray.requests[0]?.error).to.match(/^The request signature we calculated does not match the signature you provided/);
  });

  it('refuses a signature that leaves the host header out', async function () {
    const response = await post(body, { hostUnsigned: true });

    expect(await refusal(response)).to.deep.include({ status: 400, type: 'IncompleteSignatureException' });
  });

  it('refuses a signature scoped to another service than xray', async function () {
    const response = await post(body, { service: 'logs' });

    expect(await refusal(response)).to.deep.equal({
      status: 403,
      type: 'InvalidSignatureException',
      message: "Credential should be scoped to correct service: 'xray'.",
    });
  });

  it('refuses a signature scoped to another region than the endpoint\'s', async function () {
    const response = await post(body, { region: 'eu-west-1' });

    expect(await refusal(response)).to.deep.equal({
      status: 403,
      type: 'InvalidSignatureException',
      message: "Credential should be scoped to a valid region, not 'eu-west-1'.",
    });
  });

  it('refuses a request signed more than 5 minutes ago', async function () {
    const response = await post(body, { signedAt: new Date(Date.now() - 6 * MINUTE_MS) });

    const answer = await refusal(response);
    expect(answer).to.deep.include({ status: 403, type: 'InvalidSignatureException' });
    expect(answer.message).to.match(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
  });

  it('refuses a request dated more than 5 minutes ahead of its clock', async function () {
    const response = await post(body, { signedAt: new Date(Date.now() + 6 * MINUTE_MS) });

    const answer = await refusal(response);
    expect(answer).to.deep.include({ status: 403, type: 'InvalidSignatureException' });
    expect(answer.message).to.match(/^Signature not yet current: /);
  });

  it('accepts a request signed 4 minutes ago, within the 5 minutes AWS allows', async function () {
    const response = await post(body, { signedAt: new Date(Date.now() - 4 * MINUTE_MS) });

    expect(response.status).to.equal(200);
  });

  it('refuses an access key it does not know with UnrecognizedClientException', async function () {
    const response = await post(body, { credentials: { ...CREDENTIALS, accessKeyId: 'ASIAUNKNOWNKEY000001' } });

    expect(await refusal(response)).to.deep.equal({
      status: 403,
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
  });

  it('refuses temporary credentials without their session token', async function () {
    const response = await post(body, { dropped: ['x-amz-security-token'] });

    expect(await refusal(response)).to.deep.include({ status: 403, type: 'UnrecognizedClientException' });
  });

  it('refuses an unsigned export with MissingAuthenticationTokenException', async function () {
    const response = await fetch(xray.tracesUrl, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });

    expect(await refusal(response)).to.deep.include({ status: 403, type: 'MissingAuthenticationTokenException' });
  });
});
