import { expect } from 'chai';

import { find, render } from './render';

interface IngressSpec {
  ingressClassName?: string;
  rules: { host?: string; http: { paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[] } }[];
}

describe('ingress', () => {
  it('uses cloud-provider-kind on kind and the AWS Load Balancer Controller on eks', () => {
    const kind = find(render({ profile: 'kind' }), 'Ingress');
    expect((kind.spec as IngressSpec).ingressClassName).to.equal('cloud-provider-kind');
    const eks = find(render({ profile: 'eks' }), 'Ingress');
    expect((eks.spec as IngressSpec).ingressClassName).to.equal('alb');
    expect(eks.metadata.annotations).to.include({ 'alb.ingress.kubernetes.io/target-type': 'ip', 'alb.ingress.kubernetes.io/healthcheck-path': '/ready' });
  });

  it('routes to the Service http port', () => {
    const spec = find(render({ profile: 'kind' }), 'Ingress').spec as IngressSpec;
    expect(spec.rules[0]?.http.paths[0]?.backend.service).to.deep.equal({ name: 'cruddur-backend', port: { name: 'http' } });
  });

  it('offers a Gateway API HTTPRoute that needs its Gateway named', () => {
    const route = find(render({ values: { httpRoute: { enabled: true, parentRefs: [{ name: 'public' }] } } }), 'HTTPRoute');
    expect(route.apiVersion).to.equal('gateway.networking.k8s.io/v1');
    expect(() => render({ values: { httpRoute: { enabled: true } } })).to.throw(/parentRefs is empty/);
  });
});
