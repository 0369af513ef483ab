import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withFields } from './with-fields.js';

/** Everything a copy could differ in: own keys in order, each value, the prototype. */
const anatomy = (o: object): unknown => ({ keys: Reflect.ownKeys(o), values: Reflect.ownKeys(o).map((k) => (o as Record<PropertyKey, unknown>)[k]), proto: Object.getPrototypeOf(o) });

describe('withFields', () => {
  const cases: { name: string; source: object | undefined; fields: Record<string, unknown> }[] = [
    { name: 'a key the source lacks goes last', source: { containers: [], dnsPolicy: 'ClusterFirst' }, fields: { affinity: { a: 1 } } },
    { name: 'a key the source has keeps its place', source: { a: 1, tolerations: [], b: 2 }, fields: { tolerations: ['t'] } },
    { name: 'no source', source: undefined, fields: { nodeSelectorTerms: [] } },
    { name: 'integer-like keys first, as in any object', source: { b: 1, 2: 'x', a: 0 }, fields: { 1: 'y', c: 3 } },
    { name: 'a __proto__ key from JSON stays an own key', source: JSON.parse('{"a":1,"__proto__":{"polluted":true},"b":2}') as object, fields: { c: 3 } },
  ];
  it.each(cases)('$name: as { ...source, ...fields }', ({ source, fields }) => {
    const copy = withFields(source as Record<string, unknown> | undefined, fields);
    expect(anatomy(copy)).toEqual(anatomy({ ...source, ...fields }));
    expect(copy).not.toBe(source);
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('is { ...source, ...fields } for random JSON objects (keys like __proto__, constructor and numbers included)', () => {
    const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', '0', '10', 'a', 'spec', 'affinity'), fc.string({ maxLength: 4 }));
    const json = fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 8 }).map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);
    const fields = fc.dictionary(fc.constantFrom('affinity', 'tolerations', 'metadata', 'annotations', 'a', '0'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
    fc.assert(
      fc.property(json, fields, (source, extra) => {
        expect(anatomy(withFields(source, extra))).toEqual(anatomy({ ...source, ...extra }));
      }),
      { numRuns: Number(process.env.ARCHCHECK_FUZZ_RUNS ?? 500) },
    );
  });
});
