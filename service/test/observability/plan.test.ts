import { expect } from 'chai';
import { planItem } from '../../src/observability/plan.js';

describe('observability plan: comparing what is with what is defined', function () {
  it('plans no update when only the order of keys differs, at any depth', function () {
    const actual = { spec: { limit: 10, calculated_fields: [{ expression: 'IF($error, 1, 0)', name: 'is_error' }] } };
    const desired = { spec: { calculated_fields: [{ name: 'is_error', expression: 'IF($error, 1, 0)' }], limit: 10 } };

    expect(planItem('query', 'Error rate by route', actual, desired)).to.deep.include({ action: 'unchanged', changes: [] });
  });

  it('plans an update when the same elements come in another order', function () {
    const item = planItem('board', 'Cruddur backend', { panels: ['Latency by user', 'Recent traces'] }, { panels: ['Recent traces', 'Latency by user'] });

    expect(item.action).to.equal('update');
    expect(item.changes.map((c) => c.field)).to.deep.equal(['panels']);
  });

  it('takes a key holding undefined for a key that is not there', function () {
    expect(planItem('sampling rule', 'Cruddur', { host: '*', resource_arn: undefined }, { host: '*' }).action).to.equal('unchanged');
  });
});
