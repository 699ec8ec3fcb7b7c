import { expect } from 'chai';

import { find, render } from './render';

interface Port {
  port: number | string;
  protocol: string;
}
interface Peer {
  ipBlock?: { cidr: string };
  podSelector?: { matchLabels: Record<string, string> };
  namespaceSelector?: unknown;
}
interface Rule {
  to?: Peer[];
  from?: Peer[];
  ports: Port[];
}
interface NetworkPolicySpec {
  policyTypes: string[];
  ingress: Rule[];
  egress: Rule[];
}

describe('the NetworkPolicy', () => {
  it('is off by default and on in the eks profile', () => {
    expect(render().some((o) => o.kind === 'NetworkPolicy')).to.equal(false);
    expect(render({ profile: 'eks' }).some((o) => o.kind === 'NetworkPolicy')).to.equal(true);
  });

  it('allows egress only to DNS, the X-Ray daemon and port 443', () => {
    const spec = find(render({ values: { networkPolicy: { enabled: true } } }), 'NetworkPolicy').spec as NetworkPolicySpec;
    expect(spec.policyTypes).to.deep.equal(['Ingress', 'Egress']);
    const ports = spec.egress.map((rule) => rule.ports.map((p) => `${p.protocol}/${p.port}`).join(','));
    expect(ports).to.deep.equal(['UDP/53,TCP/53', 'UDP/2000,TCP/2000', 'TCP/443']);
    const daemonRule = spec.egress[1];
    expect(daemonRule?.to?.[0]?.podSelector?.matchLabels).to.include({ 'app.kubernetes.io/component': 'xray-daemon' });
  });

  it('lets traffic in only on the service port and the collector health port', () => {
    const spec = find(render({ values: { networkPolicy: { enabled: true } } }), 'NetworkPolicy').spec as NetworkPolicySpec;
    expect(spec.ingress.flatMap((rule) => rule.ports.map((p) => p.port))).to.deep.equal(['http', 'otel-health']);
  });

  it('requires an explicit egress rule for the daemon in hostPort mode', () => {
    expect(() => render({ values: { networkPolicy: { enabled: true }, xray: { addressMode: 'hostPort' } } })).to.throw(/extraEgress/);
  });

  describe("of the X-Ray daemon's pods", () => {
    const daemonPolicy = (values: Record<string, unknown> = {}) => {
      const objects = render({ values: { networkPolicy: { enabled: true }, ...values } });
      return objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'cruddur-backend-xray');
    };
    const spec = () => daemonPolicy()?.spec as NetworkPolicySpec & { podSelector: { matchLabels: Record<string, string> } };

    it('selects the daemon pods', () => {
      expect(spec().podSelector.matchLabels).to.include({ 'app.kubernetes.io/component': 'xray-daemon' });
    });

    it("lets only the app's pods in, on 2000 over UDP and TCP", () => {
      expect(spec().ingress.map((rule) => [rule.from?.map((peer) => peer.podSelector?.matchLabels), rule.ports.map((p) => `${p.protocol}/${p.port}`)])).to.deep.equal([
        [[{ 'app.kubernetes.io/name': 'cruddur-backend', 'app.kubernetes.io/instance': 'cruddur-backend', 'app.kubernetes.io/component': 'api' }], ['UDP/2000', 'TCP/2000']],
      ]);
    });

    it('lets the daemon out only to DNS and port 443', () => {
      expect(spec().policyTypes).to.deep.equal(['Ingress', 'Egress']);
      expect(spec().egress.map((rule) => rule.ports.map((p) => `${p.protocol}/${p.port}`).join(','))).to.deep.equal(['UDP/53,TCP/53', 'TCP/443']);
    });

    it('is not rendered when the chart deploys no daemon', () => {
      expect(daemonPolicy({ xray: { daemon: { enabled: false }, externalAddress: 'xray-service.amazon-cloudwatch:2000' } })).to.equal(undefined);
    });
  });
});
