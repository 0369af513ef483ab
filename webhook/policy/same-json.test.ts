import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameJson } from './same-json.js';

const byText = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

describe('sameJson', () => {
  const shared = { terms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }] };
  const cases: [string, unknown, unknown][] = [
    ['the same object', shared, shared],
    ['a copy with the same terms', shared, { terms: [...shared.terms] }],
    ['a term with one more requirement', shared, { terms: [{ matchExpressions: [...shared.terms[0]!.matchExpressions, { key: 'x', operator: 'Exists' }] }] }],
    ['null against an object', null, shared],
    ['keys in another order', { a: 1, b: 2 }, { b: 2, a: 1 }],
    ['an undefined key is not written', { a: 1, b: undefined }, { a: 1 }],
    ['an undefined element is null', [undefined], [null]],
    ['-0 is 0', { n: -0 }, { n: 0 }],
    ['NaN is null', [NaN], [null]],
    ['a string and a number', ['1'], [1]],
    ['toJSON decides', { toJSON: () => 'x' }, 'x'],
    ['a Date is its ISO text', new Date(0), '1970-01-01T00:00:00.000Z'],
  ];
  it.each(cases)('%s: as JSON.stringify says', (_name, a, b) => {
    expect(sameJson(a, b)).toBe(byText(a, b));
    expect(sameJson(b, a)).toBe(byText(b, a));
  });

  it('agrees with JSON.stringify on random values and on a value against its edited copy', () => {
    const value = fc.anything({ maxDepth: 3, withNullPrototype: true, withBoxedValues: true, withDate: true, withSparseArray: true, key: fc.constantFrom('a', 'b', 'c', 'toJSON') });
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(sameJson(a, b)).toBe(byText(a, b));
        const copy = JSON.parse(JSON.stringify({ v: a }) ?? '{}') as { v?: unknown };
        expect(sameJson(a, copy.v)).toBe(byText(a, copy.v));
      }),
      { numRuns: Number(process.env.ARCHCHECK_FUZZ_RUNS ?? 1000) },
    );
  });
});
