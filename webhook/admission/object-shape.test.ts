import { describe, expect, it } from 'vitest';
import { podProblem, requestEnvelope, workloadProblem } from './object-shape.js';

const spec = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ containers: [{ name: 'a', image: 'nginx' }], ...extra });

describe('podProblem', () => {
  const cases: { name: string; pod: unknown; problem?: string }[] = [
    { name: 'a minimal pod', pod: { spec: spec() } },
    { name: 'unknown fields are free', pod: { spec: spec({ whatever: { deep: [1, 'x'] } }), status: 'anything' } },
    { name: 'null optional fields count as absent', pod: { metadata: null, spec: spec({ affinity: null, tolerations: null, nodeSelector: null }) } },
    { name: 'not an object', pod: 'pod', problem: 'object must be an object' },
    { name: 'no spec', pod: {}, problem: 'object.spec is missing' },
    { name: 'containers an object', pod: { spec: { containers: { a: 1 } } }, problem: 'object.spec.containers must be a list' },
    { name: 'image a number', pod: { spec: { containers: [{ name: 'a', image: 7 }] } }, problem: 'object.spec.containers[0].image must be a string' },
    { name: 'affinity a string', pod: { spec: spec({ affinity: 'amd64' }) }, problem: 'object.spec.affinity must be an object' },
    { name: 'terms not a list', pod: { spec: spec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: {} } } } }) }, problem: 'nodeSelectorTerms must be a list' },
    { name: 'requirement without key', pod: { spec: spec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ operator: 'In' }] }] } } } }) }, problem: 'matchExpressions[0].key is missing' },
    { name: 'a label that is not a string', pod: { metadata: { labels: { a: 1 } }, spec: spec() }, problem: 'object.metadata.labels.a must be a string' },
    { name: 'toleration seconds as text', pod: { spec: spec({ tolerations: [{ key: 'k', tolerationSeconds: '5' }] }) }, problem: 'tolerationSeconds must be a number' },
    { name: 'nodeSelector values', pod: { spec: spec({ nodeSelector: { 'kubernetes.io/arch': ['arm64'] } }) }, problem: "object.spec.nodeSelector.kubernetes.io/arch must be a string" },
    { name: 'owner controller flag', pod: { metadata: { ownerReferences: [{ kind: 'DaemonSet', controller: 'yes' }] }, spec: spec() }, problem: 'controller must be true or false' },
  ];
  it.each(cases)('$name', ({ pod, problem }) => {
    const found = podProblem(pod);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});

describe('workloadProblem', () => {
  it('checks the template where the kind keeps it', () => {
    expect(workloadProblem({ spec: { template: { spec: spec() } } }, ['spec', 'template'])).toBeUndefined();
    expect(workloadProblem({ spec: { jobTemplate: { spec: { template: { spec: { containers: 'x' } } } } } }, ['spec', 'jobTemplate', 'spec', 'template'])).toBe(
      'object.spec.jobTemplate.spec.template.spec.containers must be a list',
    );
    expect(workloadProblem({ spec: 'x' }, ['spec', 'template'])).toBe('object.spec must be an object');
  });
});

describe('requestEnvelope', () => {
  it('checks the envelope fields archcheck reads', () => {
    expect(requestEnvelope({ kind: { kind: 'Pod' }, operation: 'CREATE', namespace: 'shop' }, 'request')).toBeUndefined();
    expect(requestEnvelope({ kind: { kind: 'Pod' }, operation: 'CREATE', namespace: 7 }, 'request')).toBe('request.namespace must be a string');
    expect(requestEnvelope({ kind: 'Pod', operation: 'CREATE' }, 'request')).toBe('request.kind must be an object');
    expect(requestEnvelope({ kind: { kind: 'Pod' } }, 'request')).toBe('request.operation is missing');
  });
});
