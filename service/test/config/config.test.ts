import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('has defaults that serve on 4567 with no environment at all', () => {
    const config = loadConfig({});
    expect(config).to.include({ port: 4567, logLevel: 'info', logFormat: 'json', bodyLimitBytes: 100 * 1024 });
    expect(config.corsOrigins).to.deep.equal(['http://localhost:3000', 'http://localhost:4567']);
    expect(config.keepAliveTimeoutMs).to.be.greaterThan(60_000);
    expect(config.drainTimeoutMs).to.be.lessThan(config.shutdownTimeoutMs);
    expect(config.shutdownTimeoutMs).to.be.at.most(30_000 - 5_000); // room for the preStop delay in a 30 s grace period
  });

  it('reads every variable it knows', () => {
    const config = loadConfig({
      PORT: '8080',
      LOG_LEVEL: 'DEBUG',
      LOG_FORMAT: 'pretty',
      FRONTEND_URL: 'https://app.example.com/path',
      BACKEND_URL: 'https://api.example.com',
      BODY_LIMIT: '1mb',
      DRAIN_TIMEOUT_MS: '5000',
      SHUTDOWN_TIMEOUT_MS: '9000',
      KEEP_ALIVE_TIMEOUT_MS: '75000',
      DEPLOYMENT_ENVIRONMENT: 'production',
    });
    expect(config).to.deep.include({
      port: 8080,
      logLevel: 'debug',
      logFormat: 'pretty',
      corsOrigins: ['https://app.example.com', 'https://api.example.com'],
      bodyLimitBytes: 1024 * 1024,
      drainTimeoutMs: 5000,
      shutdownTimeoutMs: 9000,
      keepAliveTimeoutMs: 75000,
      environment: 'production',
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: '  ' }).port).to.equal(4567);
  });

  it('names every invalid variable in one error', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      LOG_FORMAT: 'xml',
      FRONTEND_URL: 'not a url',
      BACKEND_URL: 'ftp://files.example.com',
      BODY_LIMIT: '1gb',
      KEEP_ALIVE_TIMEOUT_MS: '-1',
    });
    expect(problems.map((problem) => problem.split(' ')[0])).to.deep.equal([
      'FRONTEND_URL',
      'BACKEND_URL',
      'PORT',
      'LOG_LEVEL',
      'LOG_FORMAT',
      'BODY_LIMIT',
      'KEEP_ALIVE_TIMEOUT_MS',
    ]);
    expect(problems[2]).to.equal('PORT must be an integer from 0 to 65535 (got "eighty")');
    expect(problems[3]).to.equal('LOG_LEVEL must be one of error, warn, info, http, verbose, debug, silly (got "loud")');
  });

  it('refuses a port out of range', () => {
    expect(problemsOf({ PORT: '70000' })).to.have.length(1);
  });

  it('refuses a drain timeout that leaves no time to flush telemetry', () => {
    expect(problemsOf({ DRAIN_TIMEOUT_MS: '30000', SHUTDOWN_TIMEOUT_MS: '20000' })[0]).to.match(/^DRAIN_TIMEOUT_MS \(30000\) must be less than/);
  });

  it('shortens a long invalid value in its message', () => {
    expect(problemsOf({ LOG_LEVEL: 'x'.repeat(500) })[0]).to.have.length.below(150);
  });

  it('reads the telemetry variables, with defaults that need no cloud account', () => {
    const { telemetry } = loadConfig({ K8S_POD_NAME: 'pod-1' });
    expect(telemetry).to.deep.include({
      serviceName: 'cruddur-backend',
      otel: { enabled: true, sampler: undefined, propagators: ['tracecontext', 'baggage', 'xray'], logLevel: 'warn' },
      rollbar: { accessToken: undefined, endpoint: undefined },
    });
    expect(telemetry.xray).to.include({ enabled: true, daemonAddress: '127.0.0.1:2000', segmentName: 'cruddur-backend', centralizedSampling: false });
    expect(telemetry.cloudwatch).to.include({ logGroup: undefined, logStream: `pod-1/${process.pid}` });
  });

  it('gives the version the package version, with the first 7 characters of GIT_SHA as build metadata', () => {
    expect(loadConfig({ GIT_SHA: 'abc1234def5678' }).telemetry.serviceVersion).to.equal('0.1.0+abc1234');
  });

  it('gives the version the package version alone without GIT_SHA', () => {
    expect(loadConfig({}).telemetry.serviceVersion).to.equal('0.1.0');
  });

  it('names the X-Ray segment after AWS_XRAY_TRACING_NAME, else the service name', () => {
    expect(loadConfig({ OTEL_SERVICE_NAME: 'api' }).telemetry.xray.segmentName).to.equal('api');
    expect(loadConfig({ OTEL_SERVICE_NAME: 'api', AWS_XRAY_TRACING_NAME: 'Cruddur' }).telemetry.xray.segmentName).to.equal('Cruddur');
  });

  it('accepts both forms of AWS_XRAY_DAEMON_ADDRESS', () => {
    expect(problemsOf({ AWS_XRAY_DAEMON_ADDRESS: 'xray-daemon.cruddur.svc:2000' })).to.deep.equal([]);
    expect(problemsOf({ AWS_XRAY_DAEMON_ADDRESS: 'udp:10.0.0.1:2000 tcp:10.0.0.1:2001' })).to.deep.equal([]);
  });

  it('reads the OpenTelemetry sampler, with its ratio only for the ratio samplers', () => {
    const sampler = (env: Record<string, string>) => loadConfig({ TRACES_SAMPLING: 'head', ...env }).telemetry.otel.sampler;
    expect(sampler({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' })).to.deep.equal({
      name: 'parentbased_traceidratio',
      ratio: 0.1,
    });
    expect(sampler({ OTEL_TRACES_SAMPLER: 'traceidratio' })).to.deep.equal({ name: 'traceidratio', ratio: 1 });
    expect(sampler({ OTEL_TRACES_SAMPLER: 'always_off', OTEL_TRACES_SAMPLER_ARG: 'ignored' })).to.deep.equal({ name: 'always_off', ratio: 1 });
    for (const [arg, ratio] of [['0', 0], ['1', 1], ['.5', 0.5], ['1e-3', 0.001], ['1.', 1]] as const) {
      expect(sampler({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: arg })?.ratio, arg).to.equal(ratio);
    }
  });

  it('leaves the sampler alone when OpenTelemetry is off', () => {
    expect(problemsOf({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_SAMPLER: 'xray', OTEL_TRACES_SAMPLER_ARG: '2' })).to.deep.equal([]);
  });

  it('refuses an unknown sampler or a ratio outside 0 to 1, where the SDK would sample everything', () => {
    expect(problemsOf({ TRACES_SAMPLING: 'head', OTEL_TRACES_SAMPLER: 'ratio' })[0]).to.match(/^OTEL_TRACES_SAMPLER must be one of always_on, .*parentbased_traceidratio/);
    for (const ratio of ['1.5', '-0.1', '10%', 'half']) {
      const problems = problemsOf({ TRACES_SAMPLING: 'head', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: ratio });
      expect(problems, ratio).to.deep.equal([`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1 (got "${ratio}")`]);
    }
  });

  it('names every invalid telemetry variable in the same error', () => {
    const problems = problemsOf({
      AWS_XRAY_DAEMON_ADDRESS: 'xray-daemon',
      ROLLBAR_ENDPOINT: 'rollbar',
      CLOUDWATCH_LOG_GROUP: 'bad group!',
      XRAY_ENABLED: 'maybe',
      XRAY_SAMPLING_RULES: '/nonexistent/rules.json',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318',
      OTEL_TRACES_SAMPLER: 'sometimes',
    });
    const names = problems.map((problem) => problem.split(' ')[0]);
    expect(names).to.include.members([
      'AWS_XRAY_DAEMON_ADDRESS',
      'ROLLBAR_ENDPOINT',
      'CLOUDWATCH_LOG_GROUP',
      'XRAY_ENABLED',
      'XRAY_SAMPLING_RULES',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_TRACES_SAMPLER',
      'AWS_REGION', // required once CloudWatch is on
    ]);
  });

  it('never repeats a secret in its messages', () => {
    const problems = problemsOf({ ROLLBAR_ACCESS_TOKEN: 'super-secret-token', PORT: 'x' });
    expect(problems.join(' ')).not.to.include('super-secret-token');
  });

  it('reads OTEL_PROPAGATORS in its order, tracecontext, baggage then xray when unset', () => {
    expect(loadConfig({}).telemetry.otel.propagators).to.deep.equal(['tracecontext', 'baggage', 'xray']);
    expect(loadConfig({ OTEL_PROPAGATORS: 'xray, TraceContext' }).telemetry.otel.propagators).to.deep.equal(['xray', 'tracecontext']);
  });

  it('refuses a propagator this service does not ship, where the SDK would warn and go on without it', () => {
    for (const value of ['b3', 'tracecontext,jaeger', 'none']) {
      expect(problemsOf({ OTEL_PROPAGATORS: value }), value).to.deep.equal([
        `OTEL_PROPAGATORS must be a comma list of tracecontext, baggage, xray (the propagators this service ships) (got ${JSON.stringify(value)})`,
      ]);
    }
  });

  it('reads OTEL_LOG_LEVEL, warn when unset, and refuses an unknown level', () => {
    expect(loadConfig({}).telemetry.otel.logLevel).to.equal('warn');
    expect(loadConfig({ OTEL_LOG_LEVEL: 'DEBUG' }).telemetry.otel.logLevel).to.equal('debug');
    expect(problemsOf({ OTEL_LOG_LEVEL: 'loud' })[0]).to.match(/^OTEL_LOG_LEVEL must be one of none, error, warn, info, debug, verbose, all/);
  });

  it('reads the request-end sampling settings, and refuses a head sampler beside them', () => {
    const env = { TRACES_KEEP_SHARE: '0.1', TRACES_KEEP_SLOWER_THAN_MS: '500', TRACES_CALLER_KEEPS_PER_SECOND: '0.5' };
    expect(loadConfig(env).telemetry.sampling).to.deep.equal({ mode: 'request-end', share: 0.1, slowMs: 500, callerKeepsPerSecond: 0.5 });
    expect(problemsOf({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio' })[0]).to.match(/^OTEL_TRACES_SAMPLER \("parentbased_traceidratio"\) applies only with TRACES_SAMPLING=head/);
    expect(problemsOf({ OTEL_TRACES_EXPORTER: 'console' })[0]).to.match(/^TRACES_SAMPLING=request-end exports over OTLP http\/protobuf only/);
    expect(problemsOf({ TRACES_CALLER_KEEPS_PER_SECOND: '-1', TRACES_KEEP_SHARE: '2' })).to.have.length(2);
  });

  it('needs HONEYCOMB_ENVIRONMENT with HONEYCOMB_TEAM, for the trace links of error reports', () => {
    expect(problemsOf({ HONEYCOMB_TEAM: 'cruddur' })).to.deep.equal(['HONEYCOMB_ENVIRONMENT must be set when HONEYCOMB_TEAM is set (the environment in trace links)']);
    expect(loadConfig({ HONEYCOMB_TEAM: 'cruddur', HONEYCOMB_ENVIRONMENT: 'prod', HONEYCOMB_REGION: 'eu' }).telemetry.links.honeycombDataset).to.equal(
      'https://ui.eu1.honeycomb.io/cruddur/environments/prod/datasets/cruddur-backend',
    );
  });

  it('accepts IPv6 daemon addresses, but not for the X-Ray SDK\'s own sampling poll', () => {
    expect(problemsOf({ AWS_XRAY_DAEMON_ADDRESS: '[::1]:2000' })).to.deep.equal([]);
    expect(problemsOf({ AWS_XRAY_DAEMON_ADDRESS: 'udp:[fd00::1]:2000 tcp:[fd00::1]:2000' })).to.deep.equal([]);
    const polled = { AWS_XRAY_DAEMON_ADDRESS: '[::1]:2000', TRACES_SAMPLING: 'head', XRAY_CENTRALIZED_SAMPLING: 'true' };
    expect(problemsOf(polled)[0]).to.match(/^AWS_XRAY_DAEMON_ADDRESS must name the daemon by host name or IPv4 with XRAY_CENTRALIZED_SAMPLING=true/);
  });
});
