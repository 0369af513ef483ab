import { describe, expect, it } from 'vitest';
import type { PodSpec, PreferredSchedulingTerm } from './k8s-types.js';
import { addPreferences, parseArchPreference } from './preferences.js';

const spec = (preferred?: PreferredSchedulingTerm[]): PodSpec => ({
  containers: [{ name: 'a', image: 'x' }],
  ...(preferred && { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: preferred } } }),
});
const ours = (arch: string, weight: number): PreferredSchedulingTerm => ({ weight, preference: { matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: [arch] }] } });
const zonePref: PreferredSchedulingTerm = { weight: 5, preference: { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a'] }] } };

describe('addPreferences', () => {
  const prefer = [{ arch: 'arm64', weight: 90 }, { arch: 'amd64', weight: 10 }];
  const cases: { name: string; spec: PodSpec; expected: PreferredSchedulingTerm[] | undefined }[] = [
    { name: 'adds to a pod without preferences', spec: spec(), expected: [ours('arm64', 90), ours('amd64', 10)] },
    { name: 'keeps other preferences', spec: spec([zonePref]), expected: [zonePref, ours('arm64', 90), ours('amd64', 10)] },
    { name: 'completes a partial set of ours', spec: spec([ours('arm64', 90)]), expected: [ours('arm64', 90), ours('amd64', 10)] },
    { name: "leaves the user's own arch preference alone", spec: spec([ours('amd64', 50)]), expected: [ours('amd64', 50)] },
  ];
  it.each(cases)('$name', ({ spec: s, expected }) => {
    const once = addPreferences(s, prefer);
    expect(once.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toEqual(expected);
    expect(addPreferences(once, prefer)).toEqual(once);
  });
  it('nothing to prefer changes nothing', () => expect(addPreferences(spec(), [])).toEqual(spec()));
});

describe('parseArchPreference', () => {
  it('parses', () => expect(parseArchPreference('arm64=80')).toEqual({ arch: 'arm64', weight: 80 }));
  it.each(['arm64', 'arm64=0', 'arm64=101', 'arm64=x'])('rejects %s', (t) => expect(() => parseArchPreference(t)).toThrow());
});
