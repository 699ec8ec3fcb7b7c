import { expect } from 'chai';

import { type Container, podSpec, type Profile, render } from './render';

/** Every container of every workload the profile renders, named for the failure message. */
function containers(profile: Profile): [string, Container][] {
  const workloads = render({ profile }).filter((o) => ['Deployment', 'DaemonSet', 'Pod', 'Job'].includes(o.kind));
  return workloads.flatMap((workload) => {
    const spec = podSpec(workload);
    return [...(spec.initContainers ?? []), ...spec.containers].map((c): [string, Container] => [`${workload.kind} ${workload.metadata.name} container ${c.name}`, c]);
  });
}

describe('container resources', () => {
  for (const profile of ['default', 'kind', 'eks'] as Profile[]) {
    it(`give every container of the ${profile} profile an ephemeral-storage request and limit`, () => {
      for (const [where, c] of containers(profile)) {
        expect(c.resources?.requests, where).to.have.property('ephemeral-storage');
        expect(c.resources?.limits, where).to.have.property('ephemeral-storage');
      }
    });

    it(`give every container of the ${profile} profile CPU and memory requests, a memory limit and no CPU limit`, () => {
      for (const [where, c] of containers(profile)) {
        expect(c.resources?.requests, where).to.include.keys('cpu', 'memory');
        expect(c.resources?.limits, where).to.have.property('memory');
        expect(c.resources?.limits, where).to.not.have.property('cpu');
      }
    });
  }
});
