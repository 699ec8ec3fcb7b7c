import { expect } from 'chai';
import { scrubHeaders } from '../../src/telemetry/error-reporter';

describe('headers sent to Rollbar', () => {
  it('masks every header that may carry a credential and keeps the rest', () => {
    expect(
      scrubHeaders({
        authorization: 'Bearer abc',
        cookie: 'session=1',
        'x-api-key': 'k',
        'x-amz-security-token': 't',
        'x-honeycomb-team': 'h',
        'user-agent': 'curl/8',
        'x-multi': ['a', 'b'],
      }),
    ).to.deep.equal({
      authorization: '********',
      cookie: '********',
      'x-api-key': '********',
      'x-amz-security-token': '********',
      'x-honeycomb-team': '********',
      'user-agent': 'curl/8',
      'x-multi': 'a, b',
    });
  });
});
