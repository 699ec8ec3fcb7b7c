import { expect } from 'chai';

import { render } from './render';

describe('the service environment', () => {
  it('labels every object with the Kubernetes recommended labels', () => {
    for (const object of render({ profile: 'eks' })) {
      expect(object.metadata.labels, `${object.kind} ${object.metadata.name}`).to.include.keys(
        'app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/version',
        'app.kubernetes.io/component', 'app.kubernetes.io/managed-by', 'helm.sh/chart',
      );
    }
  });
});
