import { expect } from 'chai';
import { verifySignature } from './stand-ins/aws-protocol.js';

/**
 * "Example: GET Object", Amazon S3 API Reference, Signature Calculations for the Authorization Header: Transferring
 * Payload in a Single Chunk (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html): a request
 * and the signature AWS publishes for it, computed without this project's signer from AWS's documented example
 * secret key (no account has it). The access key id is a placeholder: it names the key but is not signed, so the
 * published signature still holds.
 */
const AWS_EXAMPLE = {
  method: 'GET',
  path: '/test.txt',
  body: new Uint8Array(),
  headers: {
    host: 'examplebucket.s3.amazonaws.com',
    range: 'bytes=0-9',
    'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'x-amz-date': '20130524T000000Z',
    authorization:
      'AWS4-HMAC-SHA256 Credential=EXAMPLEACCESSKEYID00/20130524/us-east-1/s3/aws4_request,' +
      'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,' +
      'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
  },
};
const AWS_EXAMPLE_ACCOUNT = {
  service: 's3',
  region: 'us-east-1',
  credentials: { accessKeyId: 'EXAMPLEACCESSKEYID00', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  now: new Date('2013-05-24T00:00:00Z'),
};

describe('SigV4 verification (verifySignature)', function () {
  it('verifies the signature AWS publishes for its example request', async function () {
    const scope = await verifySignature(AWS_EXAMPLE, AWS_EXAMPLE_ACCOUNT);

    expect(scope).to.deep.equal({ accessKeyId: 'EXAMPLEACCESSKEYID00', date: '20130524', region: 'us-east-1', service: 's3' });
  });

  it('refuses AWS\'s example request with a signed header changed', async function () {
    const changed = { ...AWS_EXAMPLE, headers: { ...AWS_EXAMPLE.headers, range: 'bytes=0-8' } };

    const refusal = await verifySignature(changed, AWS_EXAMPLE_ACCOUNT).then(
      () => expect.fail('accepted a changed request'),
      (error: unknown) => error,
    );

    expect(refusal).to.include({ status: 403, type: 'InvalidSignatureException' });
  });
});
