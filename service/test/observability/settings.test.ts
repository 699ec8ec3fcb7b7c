import { expect } from 'chai';
import { ConfigError } from '../../src/config.js';
import { loadSettings, placeholders } from '../../src/observability/settings.js';

describe('observability settings', function () {
  it('take the service, dataset, X-Ray and log group names from the service configuration', function () {
    const settings = loadSettings({
      OTEL_SERVICE_NAME: 'cruddur-api',
      AWS_XRAY_TRACING_NAME: 'backend-flask',
      CLOUDWATCH_LOG_GROUP: 'cruddur-prod',
      AWS_REGION: 'eu-west-1',
    });

    expect(settings.names).to.deep.equal({ serviceName: 'cruddur-api', dataset: 'cruddur-api', xrayName: 'backend-flask', logGroup: 'cruddur-prod' });
  });

  it('default to the service defaults and the chart log group', function () {
    expect(placeholders(loadSettings({}))).to.deep.equal({ service_name: 'cruddur-backend', xray_name: 'cruddur-backend', log_group: 'cruddur' });
  });

  it('point at the EU Honeycomb API when HONEYCOMB_API_URL says so', function () {
    expect(loadSettings({ HONEYCOMB_API_URL: 'https://api.eu1.honeycomb.io/' }).honeycomb.apiUrl).to.equal('https://api.eu1.honeycomb.io');
  });

  it('pass AWS keys given in the environment to the clients', function () {
    expect(loadSettings({ AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' }).aws.credentials).to.deep.equal({ accessKeyId: 'id', secretAccessKey: 'secret' });
  });

  it('leave the credentials to the SDK default chain (profile, IRSA) without AWS keys', function () {
    expect(loadSettings({}).aws.credentials).to.equal(undefined);
  });

  it('refuse an invalid XRAY_ENDPOINT', function () {
    expect(() => loadSettings({ XRAY_ENDPOINT: 'localhost:2000' })).to.throw(ConfigError, 'XRAY_ENDPOINT must be an http:// or https:// URL');
  });
});
