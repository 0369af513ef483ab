import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestedDeeperThan, scanEnvelope } from './json-envelope.js';

const nest = (n: number): string => '['.repeat(n) + ']'.repeat(n);

describe('scanEnvelope', () => {
  it('finds the depth, apiVersion and request.uid without parsing', () => {
    const text = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', request: { kind: { uid: 'not this' }, uid: 'u-1', object: { uid: 'nor this', s: '{[' } } });
    expect(scanEnvelope(text)).toEqual({ depth: 3, tooDeep: false, apiVersion: 'admission.k8s.io/v1', uid: 'u-1' });
  });

  it('decodes escapes in the uid and ignores brackets inside strings', () => {
    expect(scanEnvelope('{"request":{"a":"]]]\\"[[[","uid":"a\\u0062c"}}')).toMatchObject({ depth: 2, uid: 'abc' });
  });

  it('tells an escaped quote from one closing a string that ends in a backslash', () => {
    expect(scanEnvelope(String.raw`{"request":{"a":"x\\","uid":"u"}}`)).toMatchObject({ depth: 2, uid: 'u' });
    expect(scanEnvelope(String.raw`{"request":{"a":"x\\\"","uid":"u"}}`)).toMatchObject({ depth: 2, uid: 'u' });
    const text = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', request: { object: { s: 'q\\"\\' }, uid: 'w' } });
    expect(scanEnvelope(text)).toEqual({ depth: 3, tooDeep: false, apiVersion: 'admission.k8s.io/v1', uid: 'w' });
  });

  it('stops at the first level past the limit, however deep the body goes', () => {
    const text = `{"apiVersion":"admission.k8s.io/v1","request":{"uid":"deep","object":${nest(100_000)}}}`;
    expect(scanEnvelope(text)).toEqual({ depth: MAX_JSON_DEPTH + 1, tooDeep: true, apiVersion: 'admission.k8s.io/v1', uid: 'deep' });
    expect(scanEnvelope(`{"request":${nest(MAX_JSON_DEPTH - 1)}}`).tooDeep).toBe(false);
  });

  it('never throws on text that is not JSON', () => {
    for (const text of ['', '"', '{"a', ']]]]', '{"request":{"uid":1}}', '\\"']) expect(() => scanEnvelope(text)).not.toThrow();
    expect(scanEnvelope('{"request":{"uid":1}}').uid).toBeUndefined();
    expect(scanEnvelope('{"request":{"uid":"a\nb"}}').uid).toBeUndefined(); // a raw newline: not a JSON string
  });
});

describe('nestedDeeperThan', () => {
  it.each([
    { text: nest(MAX_JSON_DEPTH), deeper: false },
    { text: nest(MAX_JSON_DEPTH + 1), deeper: true },
    { text: `{"s":"${'['.repeat(500)}"}`, deeper: false },
    { text: String.raw`["\\", ${nest(MAX_JSON_DEPTH)}]`, deeper: true },
    { text: `${']'.repeat(10)}${nest(MAX_JSON_DEPTH - 5)}`, deeper: false },
    { text: `"${nest(500)}`, deeper: false },
  ])('$text.length chars → $deeper', ({ text, deeper }) => {
    expect(nestedDeeperThan(text)).toBe(deeper);
  });

  it('agrees with scanEnvelope on any text (the route decides on it alone)', () => {
    const token = fc.constantFrom('{', '}', '[', ']', '"', '\\', ',', ':', 'a', '"uid"', '"request"');
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), fc.integer({ min: 0, max: 8 }), (tokens, max) => {
        const text = tokens.join('');
        expect(nestedDeeperThan(text, max)).toBe(scanEnvelope(text, max).tooDeep);
      }),
      { numRuns: 3000 },
    );
  });
});
