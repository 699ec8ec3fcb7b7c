import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { type Config, type Env, loadConfig } from '../../src/config';
import { containerEnv, imageEnv, type PodFacts } from '../support/e2e/chart';
import { chartDir, container, find, type K8sObject, podSpec, type Profile, render, repoRoot } from './render';

/**
 * The chart and the service agree: for every profile, the environment the chart gives the app container (the image's
 * ENV, its ConfigMap through envFrom, then env) is a configuration loadConfig accepts, and it is the one the profile
 * intends. What only a running pod knows is stood in: each downward-API field gets its field path as value, each
 * Secret key `secret-<key>`.
 */

/** What a profile is for, in the terms of the service's configuration. */
interface Intent {
  /** DEPLOYMENT_ENVIRONMENT: deployment.environment on spans, the Rollbar environment. */
  environment: string;
  logFormat: Config['logFormat'];
  /** Which requests' traces are kept (decided when each request ends): the share of the ordinary ones, and callers' budget. */
  sampling: { share: number; callerKeepsPerSecond: number };
  /** Log lines shipped to CloudWatch Logs (credentials needed). */
  cloudWatchLogs: boolean;
}

const LOCAL: Omit<Intent, 'environment' | 'logFormat' | 'cloudWatchLogs'> = { sampling: { share: 1, callerKeepsPerSecond: 1 } };
const PRODUCTION: Intent = {
  environment: 'production',
  logFormat: 'json',
  sampling: { share: 0.1, callerKeepsPerSecond: 1 },
  cloudWatchLogs: true,
};

const PROFILES: { name: string; profile: Profile; valueFiles: string[]; intent: Intent }[] = [
  { name: 'default', profile: 'default', valueFiles: [], intent: { ...LOCAL, environment: 'development', logFormat: 'json', cloudWatchLogs: false } },
  { name: 'kind', profile: 'kind', valueFiles: [], intent: { ...LOCAL, environment: 'local', logFormat: 'pretty', cloudWatchLogs: false } },
  { name: 'eks', profile: 'eks', valueFiles: [], intent: PRODUCTION },
  { name: 'eks with k8s/values-eks.yaml', profile: 'eks', valueFiles: ['k8s/values-eks.yaml'], intent: PRODUCTION },
];

/** Variables the chart sets for readers other than loadConfig. */
const READ_ELSEWHERE: Record<string, string> = {
  NODE_OPTIONS: 'Node',
  OTEL_NODE_RESOURCE_DETECTORS: 'telemetry/enabled-instrumentations.ts',
  OTEL_RESOURCE_ATTRIBUTES: "the OpenTelemetry SDK's env resource detector",
  AWS_ACCESS_KEY_ID: "the AWS SDK's credential chain",
  AWS_SECRET_ACCESS_KEY: "the AWS SDK's credential chain",
};

function stoodInFacts(objects: K8sObject[]): PodFacts {
  const facts: PodFacts = { fieldRefs: {}, secrets: {} };
  for (const variable of container(podSpec(find(objects, 'Deployment')), 'app').env ?? []) {
    const { fieldRef, secretKeyRef } = variable.valueFrom ?? {};
    if (fieldRef) facts.fieldRefs[fieldRef.fieldPath] = fieldRef.fieldPath;
    if (secretKeyRef) facts.secrets[secretKeyRef.key] = `secret-${secretKeyRef.key}`;
  }
  return facts;
}

/** The app container's environment as the kubelet would build it, without the image's ENV. */
function chartEnv(profile: Profile, valueFiles: string[]): Record<string, string> {
  const objects = render({ profile, extraArgs: valueFiles.flatMap((file) => ['-f', path.join(repoRoot, file)]) });
  return containerEnv(objects, 'app', stoodInFacts(objects));
}

/** loadConfig of `env`, and the names it read. */
function load(env: Env): { config: Config; read: Set<string> } {
  const read = new Set<string>();
  const recording = new Proxy(env, {
    get: (target, name) => {
      if (typeof name === 'string') read.add(name);
      return target[name as string];
    },
  });
  return { config: loadConfig(recording), read };
}

describe('each chart profile gives the service the configuration it intends', () => {
  it('has an intent for every profile in the chart\'s ci/ folder', () => {
    const profiles = readdirSync(path.join(chartDir, 'ci')).map((file) => file.replace(/-values\.yaml$/, ''));
    expect(profiles).to.have.members([...new Set(PROFILES.map((p) => p.profile))]);
  });

  for (const { name, profile, valueFiles, intent } of PROFILES) {
    describe(name, () => {
      let chart: Record<string, string> = {};
      before(() => {
        chart = chartEnv(profile, valueFiles);
      });
      const config = () => loadConfig({ ...imageEnv({ GIT_SHA: 'c0ffee0000000000000000000000000000000000' }), ...chart });

      it(`is accepted by loadConfig, as the ${intent.environment} environment logging ${intent.logFormat}`, () => {
        expect(config()).to.deep.include({ environment: intent.environment, logFormat: intent.logFormat });
      });

      it(`traces with OpenTelemetry and X-Ray, decided at request end: failures and slow requests, and ${intent.sampling.share * 100}% of the rest`, () => {
        const { otel, xray, serviceName, sampling } = config().telemetry;
        expect(otel).to.deep.include({ enabled: true, sampler: undefined });
        expect(sampling).to.deep.include({ mode: 'request-end', ...intent.sampling });
        expect(xray).to.deep.include({ enabled: true, segmentName: serviceName });
        // The aws detectors ask instance metadata, which the NetworkPolicy closes: cloud.* comes from the env detector.
        expect(chart.OTEL_NODE_RESOURCE_DETECTORS?.split(','), 'resource detectors').not.to.include('aws');
      });

      it(intent.cloudWatchLogs ? 'ships its logs to a CloudWatch log group in its region' : 'ships no log to CloudWatch', () => {
        const { logGroup, region } = config().telemetry.cloudwatch;
        expect(logGroup !== undefined, `log group ${String(logGroup)}`).to.equal(intent.cloudWatchLogs);
        if (intent.cloudWatchLogs) expect(region).to.be.a('string');
      });

      it('knows its pod, namespace and node from the downward API, and the Rollbar token from the Secret', () => {
        const { kubernetes, rollbar } = config().telemetry;
        expect(kubernetes).to.deep.equal({ podName: 'metadata.name', namespace: 'metadata.namespace', nodeName: 'spec.nodeName' });
        expect(rollbar.accessToken).to.equal('secret-ROLLBAR_ACCESS_TOKEN');
      });

      it('sets no variable that nothing reads', () => {
        const { read } = load(chart);
        expect(Object.keys(chart).filter((variable) => !read.has(variable) && !(variable in READ_ELSEWHERE))).to.deep.equal([]);
      });
    });
  }
});
