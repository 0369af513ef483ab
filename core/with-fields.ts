const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/**
 * `{ ...source, ...fields }` for the request's objects on the admission path (a pod's spec, metadata, affinity):
 * the same own keys in the same order, the same values, a plain object. Written with Object.assign because on
 * Node 20 a spread followed by a key the source lacks gives every copy a new hidden class: ≈ 1 µs for a small
 * object, ≈ 5 µs for a pod spec, against ≈ 0.5 µs here (decision 0042). Object.assign *sets* keys where spread
 * *defines* them, which differs only for `__proto__` (setting it would change the copy's prototype); JSON can carry
 * that key as an own property, so a source that has it is copied by spread. `fields` are the caller's own keys.
 */
export function withFields<T extends object>(source: T | undefined, fields: Partial<T>): T {
  if (source !== undefined && source !== null && hasOwn(source, '__proto__')) return { ...source, ...fields } as T;
  return Object.assign({}, source, fields) as T;
}
