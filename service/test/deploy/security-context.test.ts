import { expect } from 'chai';

import { podSpec, type Profile, render } from './render';

describe('security contexts', () => {
  for (const profile of ['default', 'kind', 'eks'] as Profile[]) {
    it(`run every container of the ${profile} profile non-root, read-only, without capabilities or escalation`, () => {
      const workloads = render({ profile }).filter((o) => ['Deployment', 'DaemonSet', 'Pod', 'Job'].includes(o.kind));
      expect(workloads.map((o) => o.kind)).to.include.members(['Deployment', 'DaemonSet', 'Pod']);
      for (const workload of workloads) {
        const spec = podSpec(workload);
        expect(spec.securityContext?.seccompProfile?.type, `${workload.metadata.name} seccomp`).to.equal('RuntimeDefault');
        expect(spec.securityContext?.runAsNonRoot, `${workload.metadata.name} runAsNonRoot`).to.equal(true);
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
          const where = `${workload.kind} ${workload.metadata.name} container ${c.name}`;
          expect(c.securityContext?.readOnlyRootFilesystem, where).to.equal(true);
          expect(c.securityContext?.allowPrivilegeEscalation, where).to.equal(false);
          expect(c.securityContext?.capabilities?.drop, where).to.deep.equal(['ALL']);
          expect(c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser, where).to.be.a('number').and.above(0);
        }
      }
    });
  }
});
