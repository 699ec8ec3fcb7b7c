import { expect } from 'chai';
import { eventually } from '../support/e2e/tools';
import {
  helm,
  helmRun,
  jsonObjects,
  kubectl,
  loadedImageValues,
  namespaceWithSecret,
  NODE_ADDRESS,
  pods,
  readyPods,
  restrictedNamespace,
  serviceUrl,
  uninstallWithNamespace,
} from '../support/cluster';
import { CloudWatchLogs, HoneycombApi, OtlpReceiver, OtlpSpanKind, XRayApi } from '../support/stand-ins';

/**
 * The chart's other two profiles on the local cluster (make cluster-journey; the kind profile is journey.test.ts):
 * each installed with --wait in its own namespace enforcing PodSecurity restricted, tested with helm test, called
 * through its Service, then uninstalled. Images are the loaded ones (the app, the project's collector, the X-Ray
 * daemon STAND-IN); on eks, what only AWS has is stood in or switched off by k8s/cluster/values-eks-stand-ins.yaml.
 */

const RELEASE = 'cruddur-backend';
const APP = `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=api`;
const DAEMON = `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=xray-daemon`;

async function installed(namespace: string, args: string[]): Promise<void> {
  const result = await helmRun(['upgrade', '--install', RELEASE, 'charts/cruddur-backend', '-n', namespace, ...args, '--wait', '--timeout', '3m'], 200_000);
  expect(result.code, `${result.stdout}\n${result.stderr}`).to.equal(0);
  expect(result.stderr).not.to.match(/would violate PodSecurity/);
}

describe('chart profiles on the local cluster (make cluster-journey)', function () {
  this.timeout(300_000);

  describe('default: the chart as it comes (debug exporter, no Ingress), with the loaded images', function () {
    const NAMESPACE = 'cruddur-default';
    before(() => restrictedNamespace(NAMESPACE));
    after(() => uninstallWithNamespace(RELEASE, NAMESPACE));

    it('installs with --wait in a restricted namespace, with no warning', async function () {
      await installed(NAMESPACE, ['-f', 'charts/cruddur-backend/ci/default-values.yaml', '-f', 'k8s/cluster/values-local.yaml', ...loadedImageValues()]);
    });

    it('has every pod Ready: the app pods and the daemon stand-in', async function () {
      expect(await readyPods(NAMESPACE, APP, 2)).to.have.length(2);
      expect(await readyPods(NAMESPACE, DAEMON, 1)).to.have.length(1);
    });

    it('passes helm test', async function () {
      expect(await helm(['test', RELEASE, '-n', NAMESPACE, '--logs'], 120_000)).to.match(/Phase:\s+Succeeded/);
    });

    it("answers through its Service, and the serving pod's collector prints the request's spans (debug exporter)", async function () {
      const res = await fetch(`${await serviceUrl(NAMESPACE, RELEASE)}/api/activities/home`, { signal: AbortSignal.timeout(5_000) });
      expect(res.status).to.equal(200);
      const traceId = /^00-([0-9a-f]{32})-/.exec(res.headers.get('traceresponse') ?? '')?.[1];
      expect(traceId, 'traceresponse').to.be.a('string');
      const logsOf = (pod: string, container: string) => kubectl(['-n', NAMESPACE, 'logs', pod, '-c', container]).then(jsonObjects);
      const printed = await eventually(
        async () => {
          for (const pod of await pods(NAMESPACE, APP)) {
            if (!(await logsOf(pod.metadata.name, 'app')).some((line) => line.trace_id === traceId)) continue;
            // The basic verbosity prints a count per batch, not ids: spans from the pod that served the request.
            const batches = (await logsOf(pod.metadata.name, 'otel-collector')).filter((line) => line.msg === 'Traces' && Number(line.spans) > 0);
            return batches.length > 0 ? batches : undefined;
          }
          return undefined;
        },
        () => `a debug exporter line with spans in the otel-collector log of the pod that logged ${String(traceId)}`,
        30_000,
        1_000,
      );
      expect(printed[0]?.['otelcol.component.id']).to.equal('debug');
    });
  });

  describe('eks: ci/eks-values.yaml and k8s/values-eks.yaml, with AWS stood in', function () {
    const NAMESPACE = 'cruddur-eks';
    /** The Secret External Secrets would sync on EKS: dummy values the stand-ins accept. */
    const SECRET = {
      HONEYCOMB_API_KEY: 'eks-honeycomb-ingest-key',
      HONEYCOMB_CONFIGURATION_KEY: 'eks-honeycomb-configuration-key',
      ROLLBAR_ACCESS_TOKEN: 'eks-rollbar-server-token',
      AWS_ACCESS_KEY_ID: 'EKSTESTACCESSKEY',
      AWS_SECRET_ACCESS_KEY: 'eks-example-secret-access-key',
    };
    const honeycomb = new OtlpReceiver({ requiredHeaders: { 'x-honeycomb-team': SECRET.HONEYCOMB_API_KEY } });
    const honeycombApi = new HoneycombApi();
    const xrayApi = new XRayApi();
    const cloudwatch = new CloudWatchLogs();

    before(async function () {
      // On the node's bridge address: the only host address pods may reach.
      await Promise.all([honeycomb.start(NODE_ADDRESS), honeycombApi.start(NODE_ADDRESS), xrayApi.start(NODE_ADDRESS), cloudwatch.start(NODE_ADDRESS)]);
      honeycombApi.addKey(SECRET.HONEYCOMB_CONFIGURATION_KEY);
      honeycombApi.addDataset(RELEASE);
      await namespaceWithSecret(NAMESPACE, SECRET);
    });

    after(() => uninstallWithNamespace(RELEASE, NAMESPACE).finally(() => Promise.all([honeycomb.stop(), honeycombApi.stop(), xrayApi.stop(), cloudwatch.stop()])));

    it('installs with --wait in a restricted namespace, its hooks (deploy marker, observability as code) included', async function () {
      await installed(NAMESPACE, [
        '-f', 'charts/cruddur-backend/ci/eks-values.yaml',
        '-f', 'k8s/values-eks.yaml',
        '-f', 'k8s/cluster/values-eks-stand-ins.yaml',
        ...loadedImageValues(),
        '--set', `collector.honeycomb.endpoint=${honeycomb.url}`,
        '--set', `observabilityAsCode.honeycombApiUrl=${honeycombApi.url}`,
        '--set', `config.extraEnv[0].name=CLOUDWATCH_ENDPOINT,config.extraEnv[0].value=${cloudwatch.url}`,
        '--set', `config.extraEnv[1].name=XRAY_ENDPOINT,config.extraEnv[1].value=${xrayApi.url}`,
      ]);
    });

    it('marks the rollout in the dataset and applies the saved queries, the X-Ray rule and groups and the log group', function () {
      expect(honeycombApi.markers(RELEASE), 'deploy markers').to.have.length(1);
      expect(honeycombApi.annotations(RELEASE).length, 'saved queries').to.be.greaterThan(0);
      expect(xrayApi.samplingRule('Cruddur'), 'sampling rule').not.to.equal(undefined);
      expect(xrayApi.group('Cruddur'), 'group').not.to.equal(undefined);
      expect(cloudwatch.logGroupNames()).to.include('cruddur');
    });

    it('holds the HPA\'s minReplicas (2 app pods) and runs the daemon stand-in', async function () {
      expect(await readyPods(NAMESPACE, APP, 2)).to.have.length(2);
      expect(await readyPods(NAMESPACE, DAEMON, 1)).to.have.length(1);
    });

    it('creates the Ingress of class alb (no controller gives it an address here)', async function () {
      const ingress = JSON.parse(await kubectl(['-n', NAMESPACE, 'get', 'ingress', RELEASE, '-o', 'json'])) as { spec: { ingressClassName: string; rules: { host: string }[] } };
      expect(ingress.spec.ingressClassName).to.equal('alb');
      expect(ingress.spec.rules[0]?.host).to.equal('api.cruddur.example.com');
    });

    it('passes helm test', async function () {
      expect(await helm(['test', RELEASE, '-n', NAMESPACE, '--logs'], 120_000)).to.match(/Phase:\s+Succeeded/);
    });

    it("follows a caller's sampled trace through the Service and ships its spans to Honeycomb with the Secret's key", async function () {
      // Production sampling keeps 10% of the traces that start here, and every trace a caller sampled.
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const res = await fetch(`${await serviceUrl(NAMESPACE, RELEASE)}/api/activities/home`, {
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
        signal: AbortSignal.timeout(5_000),
      });
      expect(res.status).to.equal(200);
      const spans = await honeycomb.waitForSpans((s) => s.traceId === traceId && s.kind === OtlpSpanKind.SERVER, 30_000);
      expect(spans[0]?.resource['deployment.environment.name']).to.equal('production');
      for (const request of honeycomb.requests) expect(request.headers['x-honeycomb-team']).to.equal(SECRET.HONEYCOMB_API_KEY);
    });
  });
});
