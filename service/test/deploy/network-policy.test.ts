import { expect } from 'chai';

import { find, render } from './render';

interface Port {
  port: number | string;
  protocol: string;
}
interface Rule {
  to?: { ipBlock?: { cidr: string }; podSelector?: { matchLabels: Record<string, string> }; namespaceSelector?: unknown }[];
  from?: unknown[];
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
});
