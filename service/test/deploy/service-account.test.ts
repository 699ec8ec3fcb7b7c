import { expect } from 'chai';

import { find, podSpec, render } from './render';

const ROLE = 'eks.amazonaws.com/role-arn';

describe('service accounts', () => {
  it('carry the IRSA role ARNs from values on the eks profile', () => {
    const objects = render({ profile: 'eks' });
    const app = find(objects, 'ServiceAccount', 'cruddur-backend');
    const daemon = find(objects, 'ServiceAccount', 'cruddur-backend-xray');
    expect(app.metadata.annotations?.[ROLE]).to.equal('arn:aws:iam::123456789012:role/cruddur-backend');
    expect(daemon.metadata.annotations?.[ROLE]).to.equal('arn:aws:iam::123456789012:role/cruddur-xray-daemon');
    expect(podSpec(find(objects, 'Deployment')).serviceAccountName).to.equal('cruddur-backend');
    expect(podSpec(find(objects, 'DaemonSet')).serviceAccountName).to.equal('cruddur-backend-xray');
  });

  it('have no IRSA annotation when no role is configured', () => {
    for (const sa of render().filter((o) => o.kind === 'ServiceAccount')) {
      expect(sa.metadata.annotations?.[ROLE]).to.equal(undefined);
    }
  });

  it('reject an IRSA role that is not an IAM role ARN', () => {
    expect(() => render({ values: { serviceAccount: { roleArn: 'cruddur-backend' } } })).to.throw(/roleArn/);
  });
});
