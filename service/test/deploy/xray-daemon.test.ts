import { expect } from 'chai';
import { parse } from 'yaml';

import { container, env, find, helmTemplate, podSpec, render } from './render';

interface DaemonConfig {
  Region: string;
  TotalBufferSizeMB: number;
  LocalMode: boolean;
  Socket: { UDPAddress: string; TCPAddress: string };
}

describe('the X-Ray daemon DaemonSet', () => {
  it('listens on 2000 over UDP and TCP and is probed over TCP', () => {
    const daemon = container(podSpec(find(render(), 'DaemonSet')), 'xray-daemon');
    expect(daemon.ports?.map((p) => [p.containerPort, p.protocol])).to.deep.equal([[2000, 'UDP'], [2000, 'TCP']]);
    expect(daemon.ports?.some((p) => p.hostPort !== undefined)).to.equal(false);
    expect(daemon.livenessProbe?.tcpSocket?.port).to.equal('xray-tcp');
    expect(daemon.readinessProbe?.tcpSocket?.port).to.equal('xray-tcp');
  });

  it('runs the image pinned by xray.image.digest when one is set', () => {
    const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
    const daemon = container(podSpec(find(render({ values: { xray: { image: { digest } } } }), 'DaemonSet')), 'xray-daemon');
    expect(daemon.image).to.equal(`public.ecr.aws/xray/aws-xray-daemon@${digest}`);
  });

  it('runs from an explicit config: region, buffer size and 0.0.0.0 binds', () => {
    const objects = render({ values: { aws: { region: 'eu-west-1' } } });
    const daemon = container(podSpec(find(objects, 'DaemonSet')), 'xray-daemon');
    expect(daemon.command).to.deep.equal(['/xray', '-c', '/etc/amazon/xray/cfg.yaml']);
    expect(daemon.image).to.match(/^public\.ecr\.aws\/xray\/aws-xray-daemon:3\.\d+\.\d+$/);
    const config = parse(find(objects, 'ConfigMap', 'cruddur-backend-xray').data?.['cfg.yaml'] ?? '') as DaemonConfig;
    expect(config.Region).to.equal('eu-west-1');
    expect(config.TotalBufferSizeMB).to.be.above(0);
    expect(config.Socket).to.deep.equal({ UDPAddress: '0.0.0.0:2000', TCPAddress: '0.0.0.0:2000' });
    expect(config.LocalMode).to.equal(false);
  });

  it('uses local mode and credentials from the Secret on kind', () => {
    const objects = render({ profile: 'kind' });
    const config = parse(find(objects, 'ConfigMap', 'cruddur-backend-xray').data?.['cfg.yaml'] ?? '') as DaemonConfig;
    expect(config.LocalMode).to.equal(true);
    const daemon = container(podSpec(find(objects, 'DaemonSet')), 'xray-daemon');
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      expect(env(daemon, key)?.valueFrom?.secretKeyRef).to.deep.equal({ name: 'cruddur-backend-secrets', key, optional: true });
    }
  });

  it('is reached through a node-local Service by default', () => {
    const objects = render();
    const service = find(objects, 'Service', 'cruddur-backend-xray');
    expect((service.spec as { internalTrafficPolicy: string }).internalTrafficPolicy).to.equal('Local');
    const app = container(podSpec(find(objects, 'Deployment')), 'app');
    expect(env(app, 'AWS_XRAY_DAEMON_ADDRESS')?.value).to.equal('cruddur-backend-xray.cruddur.svc:2000');
  });

  it('is reached on the node IP through hostPort when xray.addressMode is hostPort', () => {
    const objects = render({ values: { xray: { addressMode: 'hostPort' } } });
    expect(objects.some((o) => o.kind === 'Service' && o.metadata.name === 'cruddur-backend-xray')).to.equal(false);
    const daemon = container(podSpec(find(objects, 'DaemonSet')), 'xray-daemon');
    expect(daemon.ports?.map((p) => p.hostPort)).to.deep.equal([2000, 2000]);
    const app = container(podSpec(find(objects, 'Deployment')), 'app');
    const names = app.env?.map((e) => e.name) ?? [];
    expect(env(app, 'HOST_IP')?.valueFrom?.fieldRef?.fieldPath).to.equal('status.hostIP');
    expect(env(app, 'AWS_XRAY_DAEMON_ADDRESS')?.value).to.equal('$(HOST_IP):2000');
    // Kubernetes expands $(VAR) only from variables defined earlier in the list.
    expect(names.indexOf('HOST_IP')).to.be.below(names.indexOf('AWS_XRAY_DAEMON_ADDRESS'));
  });

  it('can be left to a cluster-wide daemon, which then needs its address', () => {
    const objects = render({ values: { xray: { daemon: { enabled: false }, externalAddress: 'xray-service.amazon-cloudwatch:2000' } } });
    expect(objects.some((o) => o.kind === 'DaemonSet')).to.equal(false);
    const app = container(podSpec(find(objects, 'Deployment')), 'app');
    expect(env(app, 'AWS_XRAY_DAEMON_ADDRESS')?.value).to.equal('xray-service.amazon-cloudwatch:2000');
    const failed = helmTemplate({ values: { xray: { daemon: { enabled: false } } } });
    expect(failed.status).to.not.equal(0);
    expect(failed.stderr).to.include('xray.externalAddress is empty');
  });
});
