import { describe, expect, it } from 'vitest';
import { gapWarnings } from './gap-warnings.js';

describe('gapWarnings', () => {
  it('gives one line per namespace, naming what is missing and the server reason', () => {
    const lists = ['deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs', 'cronjobs', 'replicationcontrollers', 'pods'];
    const gaps = [
      ...lists.map((what) => ({ what, namespace: 'team-b', message: `${what} is forbidden` })),
      { what: 'cronjobs', namespace: 'shop', message: 'cronjobs.batch is forbidden' },
      { what: 'pull secret shop/regcred', namespace: 'shop', message: 'secrets "regcred" is forbidden' },
      { what: 'nodes', namespace: null, message: 'nodes is forbidden' },
    ];
    expect(gapWarnings(gaps)).toEqual([
      'namespace team-b: cannot read workloads or pods (deployments is forbidden)',
      'namespace shop: cannot read cronjobs, pull secret shop/regcred (cronjobs.batch is forbidden)',
      'cannot read nodes (nodes is forbidden)',
    ]);
  });
});
