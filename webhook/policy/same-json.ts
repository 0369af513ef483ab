const plainObject = (v: object): boolean => {
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(v)) return true;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** Serialized by JSON.stringify as itself: a string, a finite number, a boolean, null, or an array or plain object without toJSON. */
function plain(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  return typeof v === 'object' && plainObject(v);
}

/** True or false when certain without serializing; undefined when only serializing can tell. */
function compare(a: unknown, b: unknown): boolean | undefined {
  if (a === b) return true;
  if (!plain(a) || !plain(b)) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  return Array.isArray(a) ? compareArrays(a, b as unknown[]) : compareObjects(a as Record<string, unknown>, b as Record<string, unknown>);
}

function compareArrays(a: unknown[], b: unknown[]): boolean | undefined {
  // Every element is written (undefined as null): a different length is a different text.
  if (a.length !== b.length) return false;
  let known: boolean | undefined = true;
  for (let i = 0; i < a.length && known !== false; i++) {
    const same = compare(a[i], b[i]);
    known = same === false ? false : same === undefined ? undefined : known;
  }
  return known;
}

function compareObjects(a: Record<string, unknown>, b: Record<string, unknown>): boolean | undefined {
  const keys = Object.keys(a);
  const other = Object.keys(b);
  // Keys whose values are undefined or functions are left out of the text: only the same keys in the same order are compared here.
  if (keys.length !== other.length) return undefined;
  let known: boolean | undefined = true;
  for (let i = 0; i < keys.length && known !== false; i++) {
    if (keys[i] !== other[i]) return undefined;
    const same = compare(a[keys[i]!], b[keys[i]!]);
    known = same === false ? false : same === undefined ? undefined : known;
  }
  return known;
}

/**
 * Whether `JSON.stringify(a) === JSON.stringify(b)` (key order counts), without serializing when both are plain JSON
 * data and shared subtrees are the same objects; anything it cannot be sure of is serialized and compared.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  return compare(a, b) ?? JSON.stringify(a) === JSON.stringify(b);
}
