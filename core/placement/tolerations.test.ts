import { describe, expect, it } from 'vitest';
import type { PodSpec, Taint, Toleration } from './k8s-types.js';
import { addTolerations, formatArchTaint, parseArchTaint, toleratesTaint, tolerationsFor, type ArchTaint } from './tolerations.js';

const archTaint: Taint = { key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' };
const custom: Taint = { key: 'node-role.vos/arm_controller', value: 'true', effect: 'NoSchedule' };
const noValue: Taint = { key: 'dedicated', effect: 'NoExecute' };

describe('toleratesTaint', () => {
  const cases: { name: string; tolerations: Toleration[]; taint: Taint; expected: boolean }[] = [
    { name: 'none', tolerations: [], taint: archTaint, expected: false },
    { name: 'Equal with value', tolerations: [{ key: 'kubernetes.io/arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' }], taint: archTaint, expected: true },
    { name: 'operator defaults to Equal', tolerations: [{ key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' }], taint: archTaint, expected: true },
    { name: 'wrong value', tolerations: [{ key: 'kubernetes.io/arch', value: 'amd64', effect: 'NoSchedule' }], taint: archTaint, expected: false },
    { name: 'Exists on the key', tolerations: [{ key: 'kubernetes.io/arch', operator: 'Exists' }], taint: archTaint, expected: true },
    { name: 'empty key + Exists tolerates everything', tolerations: [{ operator: 'Exists' }], taint: custom, expected: true },
    { name: 'empty key without Exists tolerates nothing', tolerations: [{ value: 'x' }], taint: custom, expected: false },
    { name: 'effect must match when set', tolerations: [{ key: 'kubernetes.io/arch', operator: 'Exists', effect: 'NoExecute' }], taint: archTaint, expected: false },
    { name: 'empty effect matches all', tolerations: [{ key: 'dedicated', operator: 'Exists' }], taint: noValue, expected: true },
    { name: 'Equal with no value matches a valueless taint', tolerations: [{ key: 'dedicated', operator: 'Equal', effect: 'NoExecute' }], taint: noValue, expected: true },
  ];
  it.each(cases)('$name', ({ tolerations, taint, expected }) => expect(toleratesTaint(tolerations, taint)).toBe(expected));
});

describe('tolerationsFor + addTolerations', () => {
  const archTaints: ArchTaint[] = [
    { arch: 'arm64', taint: archTaint },
    { arch: 'arm64', taint: custom },
    { arch: 'arm64', taint: archTaint }, // configured and discovered: once
    { arch: 'amd64', taint: noValue },
  ];
  it('picks taints of the given archs, without duplicates', () => {
    expect(tolerationsFor(['arm64'], archTaints)).toEqual([
      { key: 'kubernetes.io/arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' },
      { key: 'node-role.vos/arm_controller', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
    ]);
    expect(tolerationsFor(['amd64'], archTaints)).toEqual([{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }]);
    expect(tolerationsFor([], archTaints)).toEqual([]);
  });

  const spec = (tolerations?: Toleration[]): PodSpec => ({ containers: [{ name: 'a', image: 'x' }], ...(tolerations && { tolerations }) });
  const cases: { name: string; existing?: Toleration[]; added: number }[] = [
    { name: 'no tolerations yet', added: 2 },
    { name: 'an Exists on the arch key counts', existing: [{ key: 'kubernetes.io/arch', operator: 'Exists' }], added: 1 },
    { name: 'a wildcard counts for all', existing: [{ operator: 'Exists' }], added: 0 },
    { name: 'identical entries are not repeated', existing: tolerationsFor(['arm64'], archTaints), added: 0 },
    { name: 'an effect-less Exists on the key counts', existing: [{ key: 'node-role.vos/arm_controller', operator: 'Exists' }], added: 1 },
    { name: 'an Exists with another effect does not count', existing: [{ key: 'kubernetes.io/arch', operator: 'Exists', effect: 'NoExecute' }], added: 2 },
  ];
  it.each(cases)('addTolerations: $name', ({ existing, added }) => {
    const wanted = tolerationsFor(['arm64'], archTaints);
    const once = addTolerations(spec(existing), wanted);
    expect((once.tolerations ?? []).length - (existing ?? []).length).toBe(added);
    expect(addTolerations(once, wanted)).toEqual(once);
    for (const { taint } of archTaints.filter((t) => t.arch === 'arm64')) expect(toleratesTaint(once.tolerations, taint)).toBe(true);
  });
});

it('a wanted Exists is added beside an Equal with the empty value, which tolerates fewer taints', () => {
  // Taints `dedicated:NoSchedule` (amd64) and `dedicated=arm64:NoSchedule` (arm64): one Exists toleration covers both.
  const taints: ArchTaint[] = [
    { arch: 'amd64', taint: { key: 'dedicated', effect: 'NoSchedule' } },
    { arch: 'arm64', taint: { key: 'dedicated', value: 'arm64', effect: 'NoSchedule' } },
  ];
  const wanted = tolerationsFor(['amd64', 'arm64'], taints);
  expect(wanted).toEqual([{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }]);
  const once = addTolerations({ containers: [{ name: 'a', image: 'x' }], tolerations: [{ key: 'dedicated' }] }, wanted);
  for (const { taint } of taints) expect(toleratesTaint(once.tolerations, taint)).toBe(true);
  expect(addTolerations(once, wanted)).toEqual(once);
});

describe('parseArchTaint', () => {
  it.each([
    ['arm64=kubernetes.io/arch=arm64:NoSchedule', { arch: 'arm64', taint: archTaint }],
    ['arm64=node-role.vos/arm_controller=true:NoSchedule', { arch: 'arm64', taint: custom }],
    ['amd64=dedicated:NoExecute', { arch: 'amd64', taint: noValue }],
  ])('%s', (text, expected) => {
    expect(parseArchTaint(text)).toEqual(expected);
    expect(formatArchTaint(parseArchTaint(text))).toBe(text);
  });
  it.each(['arm64', 'arm64=kubernetes.io/arch=arm64', 'arm64=k:Sometimes', '=k:NoSchedule', 'ARM=k:NoSchedule'])('rejects %s', (text) => {
    expect(() => parseArchTaint(text)).toThrow(/ARCH=KEY|effect|arch and a taint key/);
  });
});
