import { describe, expect, it } from 'vitest';
import type { Pod } from '../../core/placement/index.js';
import { annotations, archIn, cluster, fixture, LEGACY, podSpec, regcred, required, setImages, WEB, type Edit } from '../testing/admission-cases.js';
import { FakeResolver, PRIVATE_IMAGE, SLOW_IMAGE } from '../testing/fake-resolver.js';
import { loadFixture } from '../testing/fixtures.js';
import { runAdmission, testSettings, withObject } from '../testing/run-admission.js';

describe('re-invocation', () => {
  it('a sidecar added by a later webhook narrows the placement; user terms are never removed', async () => {
    const options = { settings: testSettings(), cluster: cluster() };
    const userTerms = [
      { matchExpressions: [archIn('amd64', 'arm64')] },
      { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a'] }] },
    ];
    const withUserTerms: Edit = (o) => {
      setImages(WEB)(o);
      podSpec(o).affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: structuredClone(userTerms) } } };
    };
    const first = await runAdmission('mutate', fixture('pod-create-deployment.json', withUserTerms), options);
    expect(required(first.patched)).toEqual([userTerms[0], { matchExpressions: [...userTerms[1]!.matchExpressions, archIn('amd64', 'arm64')] }]);
    const withSidecar = structuredClone(first.patched) as Pod;
    withSidecar.spec.containers.push({ name: 'injected-sidecar', image: LEGACY });
    const second = await runAdmission('mutate', withObject(loadFixture('pod-create-deployment.json'), withSidecar), options);
    const terms = required(second.patched) as { matchExpressions: unknown[] }[];
    expect(terms[0]!.matchExpressions).toEqual([archIn('amd64', 'arm64'), archIn('amd64')]);
    expect(terms[1]!.matchExpressions).toEqual([...userTerms[1]!.matchExpressions, archIn('amd64', 'arm64'), archIn('amd64')]);
    expect(annotations(second.patched)).toMatchObject({ 'archcheck.dev/archs': 'amd64', 'archcheck.dev/decision': 'injected' });
    const third = await runAdmission('mutate', withObject(loadFixture('pod-create-deployment.json'), second.patched), options);
    expect(third.patch).toEqual([]);
  });

  it('a pod archcheck placed passes /validate', async () => {
    const options = { settings: testSettings(), cluster: cluster() };
    const mutated = await runAdmission('mutate', fixture('pod-create-deployment.json'), options);
    const validated = await runAdmission('validate', withObject(loadFixture('pod-create-deployment.json'), mutated.patched), options);
    expect(validated.response.allowed).toBe(true);
  });

  it('resolves each distinct image once and passes the pull secret credentials', async () => {
    const resolver = new FakeResolver();
    await runAdmission('mutate', fixture('pod-create-deployment.json', setImages(WEB, WEB, PRIVATE_IMAGE)), { cluster: cluster(), resolver });
    expect(resolver.calls.map((c) => c.reference)).toEqual([WEB, PRIVATE_IMAGE]);
    expect(resolver.calls[1]!.credentials).toEqual([regcred]);
  });

  it('answers within the deadline when a registry hangs', async () => {
    const started = Date.now();
    await runAdmission('mutate', fixture('pod-create-deployment.json', setImages(SLOW_IMAGE)), { cluster: cluster(), deadlineMs: 200 });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
