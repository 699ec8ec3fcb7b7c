import { expect } from 'chai';

import { find, helmTemplate, render } from './render';

describe('the PodDisruptionBudget', () => {
  it('lets a drain evict pods that are not Ready even when the budget is spent', () => {
    const spec = find(render(), 'PodDisruptionBudget').spec as { unhealthyPodEvictionPolicy?: string };
    expect(spec.unhealthyPodEvictionPolicy).to.equal('AlwaysAllow');
  });

  it('takes only the policies Kubernetes knows as podDisruptionBudget.unhealthyPodEvictionPolicy', () => {
    const result = helmTemplate({ values: { podDisruptionBudget: { unhealthyPodEvictionPolicy: 'Always' } } });
    expect(result.status).to.not.equal(0);
    expect(result.stderr).to.include('/podDisruptionBudget/unhealthyPodEvictionPolicy');
  });
});
