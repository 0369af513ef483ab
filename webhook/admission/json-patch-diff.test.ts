import fc from 'fast-check';
import fastJsonPatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { diffJson } from './json-patch-diff.js';

const { applyPatch, compare } = fastJsonPatch;

/** What the apiserver receives: the patch as serialized in the AdmissionResponse. */
const wire = (patch: unknown): string => JSON.stringify(patch);

describe('diffJson', () => {
  const shared = { kept: { deep: [1, 2, 3] } };
  const cases: { name: string; before: object; after: object; patch: unknown[] }[] = [
    { name: 'identical references', before: shared, after: shared, patch: [] },
    { name: 'equal copies', before: { a: [1, { b: 'c' }] }, after: { a: [1, { b: 'c' }] }, patch: [] },
    { name: 'added key, shared subtree skipped', before: { spec: shared }, after: { spec: shared, affinity: { x: 1 } }, patch: [{ op: 'add', path: '/affinity', value: { x: 1 } }] },
    { name: 'replaced scalar', before: { a: 1 }, after: { a: 2 }, patch: [{ op: 'replace', path: '/a', value: 2 }] },
    { name: 'removed keys, last first', before: { a: 1, b: 2, c: 3 }, after: { b: 2 }, patch: [{ op: 'remove', path: '/c' }, { op: 'remove', path: '/a' }] },
    { name: 'key set to undefined is a removal', before: { a: 1 }, after: { a: undefined }, patch: [{ op: 'remove', path: '/a' }] },
    { name: 'array element set to undefined is null', before: { l: [1, 2] }, after: { l: [1, undefined] }, patch: [{ op: 'replace', path: '/l/1', value: null }] },
    { name: 'array grown and shrunk', before: { l: [1, 2, 3] }, after: { l: [1] }, patch: [{ op: 'remove', path: '/l/2' }, { op: 'remove', path: '/l/1' }] },
    { name: 'array appended', before: { l: [1] }, after: { l: [1, { t: 2 }] }, patch: [{ op: 'add', path: '/l/1', value: { t: 2 } }] },
    { name: 'object became array', before: { v: { a: 1 } }, after: { v: [1] }, patch: [{ op: 'replace', path: '/v', value: [1] }] },
    { name: 'keys needing ~0 and ~1', before: { 'a/b': 1, 'c~d': { '~/': 1 } }, after: { 'a/b': 2, 'c~d': { '~/': 3 } }, patch: [{ op: 'replace', path: '/c~0d/~0~1', value: 3 }, { op: 'replace', path: '/a~1b', value: 2 }] },
    { name: 'nodeAffinity injected into a pod', before: { spec: { containers: [{ image: 'x' }] } }, after: { spec: { containers: [{ image: 'x' }], affinity: { nodeAffinity: { required: ['amd64'] } } } }, patch: [{ op: 'add', path: '/spec/affinity', value: { nodeAffinity: { required: ['amd64'] } } }] },
  ];
  it.each(cases)('$name: the same operations as fast-json-patch compare', ({ before, after, patch }) => {
    expect(wire(diffJson(before, after))).toBe(wire(patch));
    expect(wire(diffJson(before, after))).toBe(wire(compare(before, after)));
  });

  it('a top-level object against an array replaces the whole document once per key, as compare does', () => {
    expect(wire(diffJson({ a: 1, b: 2 }, [1]))).toBe(wire(compare({ a: 1, b: 2 }, [1])));
  });
});

/** Keys that exercise JSON Pointer escapes and array-like names, beside ordinary ones. */
const key = fc.oneof(fc.constantFrom('a', 'b', 'spec', '~', '/', 'a/b', 'x~1', '~0', '0', '1', '', 'toJSON2'), fc.string({ maxLength: 4 }));
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.constantFrom(null, true, false, 0, -1, 2.5, 'v', ''), fc.string({ maxLength: 3 }), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
})).value;

interface Dice {
  pick(): number;
  undefinedToo: boolean;
}

/** The handler's way of mutating: a clone of some parts, the same objects elsewhere, keys added, removed, replaced or set to undefined. */
function mutate(value: unknown, dice: Dice): unknown {
  if (typeof value !== 'object' || value === null) return dice.pick() % 5 === 0 ? `changed-${dice.pick()}` : value;
  const roll = dice.pick() % 10;
  if (roll === 0) return value; // untouched subtree: the same reference
  if (roll === 1) return Array.isArray(value) ? { was: 'array' } : ['was', 'object'];
  return Array.isArray(value) ? mutateArray(value, dice) : mutateObject(value as Record<string, unknown>, dice);
}

function mutateArray(value: unknown[], dice: Dice): unknown[] {
  const out = value.map((v) => (dice.undefinedToo && dice.pick() % 7 === 0 ? undefined : mutate(v, dice)));
  if (dice.pick() % 3 === 0) out.push({ added: dice.pick() });
  if (dice.pick() % 4 === 0) out.splice(0, 1);
  return out;
}

function mutateObject(value: Record<string, unknown>, dice: Dice): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const r = dice.pick() % 8;
    if (r === 0) continue;
    out[k] = dice.undefinedToo && r === 1 ? undefined : mutate(v, dice);
  }
  if (dice.pick() % 3 === 0) out[`new/${dice.pick()}~`] = { n: dice.pick() };
  return out;
}

function dice(choices: number[], undefinedToo: boolean): Dice {
  let i = 0;
  return { pick: () => choices[i++ % choices.length]!, undefinedToo };
}

describe('diffJson against fast-json-patch compare (property)', () => {
  const runs = Number(process.env.ARCHCHECK_FUZZ_RUNS ?? 500);
  it('gives the same operations, serialized, for random documents and their mutations (undefined included); applying them gives the mutated document', () => {
    fc.assert(
      fc.property(fc.dictionary(key, json, { maxKeys: 6 }), fc.array(fc.nat(1000), { minLength: 1, maxLength: 40 }), fc.boolean(), (before, choices, undefinedToo) => {
        const after = mutate(before, dice(choices, undefinedToo)) as object;
        if (typeof after !== 'object' || after === null) return;
        const ours = diffJson(before, after);
        expect(wire(ours)).toBe(wire(compare(before, after)));
        // A whole document turned into an array is replaced at path "" (as compare does), which applyPatch cannot
        // apply to the root; admission objects stay objects. compare (and so the diff) writes no add for an array
        // element that is undefined, so only documents without undefined are checked to round-trip.
        if (Array.isArray(after) || undefinedToo) return;
        const applied = applyPatch(structuredClone(before), JSON.parse(wire(ours)) as fastJsonPatch.Operation[], true, false).newDocument;
        // The mutated object as JSON (key order aside: a replaced array element's keys come in the new order).
        expect(applied).toStrictEqual(JSON.parse(JSON.stringify(after)));
      }),
      { numRuns: runs },
    );
  });

  it('gives the same operations for unrelated random pairs', () => {
    fc.assert(
      fc.property(fc.dictionary(key, json, { maxKeys: 5 }), fc.dictionary(key, json, { maxKeys: 5 }), (before, after) => {
        expect(wire(diffJson(before, after))).toBe(wire(compare(before, after)));
      }),
      { numRuns: runs },
    );
  });
});
