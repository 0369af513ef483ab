/** One RFC 6902 operation as the diff writes them: only add, remove and replace (no move, copy or test). */
export type PatchOperation = { op: 'add' | 'replace'; path: string; value: unknown } | { op: 'remove'; path: string };

type Json = Record<string, unknown> | unknown[];

/** RFC 6901: `~` → `~0`, `/` → `~1` (fast-json-patch's escapePathComponent). */
function escapeKey(key: string): string {
  if (!key.includes('/') && !key.includes('~')) return key;
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function keysOf(value: Json): string[] {
  if (!Array.isArray(value)) return Object.keys(value);
  const keys = new Array<string>(value.length);
  for (let i = 0; i < value.length; i++) keys[i] = String(i);
  return keys;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null;
const own = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/**
 * The JSON Patch from `original` to `mutated`: exactly the operations fast-json-patch's `compare` gives (same
 * order, paths and values — decided by the same walk, keys of the original last-to-first, then added keys in
 * order), without its deep copy of every added or replaced value. The patch is serialized right after it is made
 * (response.ts), so sharing the mutated object's subtrees is safe, and a value's copy would serialize the same; an
 * array element that became `undefined` is written `null`, as the copy gives it. Subtrees the handler did not touch
 * are the same objects on both sides and are skipped without a walk.
 */
export function diffJson(original: object, mutated: object): PatchOperation[] {
  const patch: PatchOperation[] = [];
  walk(original as Json, mutated as Json, patch, '');
  return patch;
}

/** The value a replace or add carries: what the copy `JSON.parse(JSON.stringify(v))` would serialize to. */
const carried = (v: unknown): unknown => (v === undefined ? null : v);

const afterToJson = (v: Json): Json => (typeof (v as { toJSON?: unknown }).toJSON === 'function' ? ((v as { toJSON: () => Json }).toJSON() as Json) : v);

function walk(before: Json, afterIn: Json, patch: PatchOperation[], path: string): void {
  if (afterIn === before) return;
  const after = afterToJson(afterIn);
  const oldKeys = keysOf(before);
  let deleted = false;
  for (let t = oldKeys.length - 1; t >= 0; t--) deleted = compareKey(before, after, oldKeys[t]!, patch, path) || deleted;
  const newKeys = keysOf(after);
  if (!deleted && newKeys.length === oldKeys.length) return;
  for (const key of newKeys) {
    const value = (after as Record<string, unknown>)[key];
    if (!own(before, key) && value !== undefined) patch.push({ op: 'add', path: `${path}/${escapeKey(key)}`, value });
  }
}

/** One key of the original: walked into, replaced, removed, or (kinds differ) the whole value replaced. True when removed. */
function compareKey(before: Json, after: Json, key: string, patch: PatchOperation[], path: string): boolean {
  const oldVal = (before as Record<string, unknown>)[key];
  const afterIsArray = Array.isArray(after);
  if (own(after, key)) {
    const newVal = (after as Record<string, unknown>)[key];
    if (!(newVal === undefined && oldVal !== undefined && !afterIsArray)) {
      if (isObject(oldVal) && isObject(newVal) && Array.isArray(oldVal) === Array.isArray(newVal)) walk(oldVal, newVal, patch, `${path}/${escapeKey(key)}`);
      else if (oldVal !== newVal) patch.push({ op: 'replace', path: `${path}/${escapeKey(key)}`, value: carried(newVal) });
      return false;
    }
  }
  if (Array.isArray(before) !== afterIsArray) {
    patch.push({ op: 'replace', path, value: after });
    return false;
  }
  patch.push({ op: 'remove', path: `${path}/${escapeKey(key)}` });
  return true;
}
