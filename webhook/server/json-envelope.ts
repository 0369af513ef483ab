/**
 * JSON nesting is bounded before the body is parsed: a Kubernetes object is never nested deeper than a few dozen
 * levels, while a body of `[[[[…` costs ~30x its size in heap to parse and overflows the stack of anything that
 * walks it (structuredClone, JSON Patch diffs). The scan below reads the raw text once, without building values.
 */
export const MAX_JSON_DEPTH = 100;

export interface EnvelopeScan {
  /** Deepest nesting seen (stops counting at MAX_JSON_DEPTH + 1). */
  depth: number;
  tooDeep: boolean;
  /** `apiVersion` and `request.uid` when they are plain strings at the top of the envelope: enough to answer. */
  apiVersion?: string;
  uid?: string;
}

const isOpen = (c: number): boolean => c === 0x7b || c === 0x5b; // { [
const isClose = (c: number): boolean => c === 0x7d || c === 0x5d; // } ]

/** The end (exclusive) of the JSON string starting at `start` (a quote), or -1 when it never ends. */
function stringEnd(text: string, start: number): number {
  // indexOf jumps to each candidate quote (native, far faster than a loop per character on every admission);
  // a quote preceded by an odd number of backslashes is escaped.
  for (let quote = text.indexOf('"', start + 1); quote !== -1; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
  }
  return -1;
}

// eslint-disable-next-line no-control-regex -- raw control characters are what makes a JSON string invalid
const NEEDS_PARSER = /[\\\u0000-\u001f]/;

function decodeString(token: string): string | undefined {
  // Keys and values without escapes or raw control characters (all of an apiserver's envelope) need no parser.
  if (!NEEDS_PARSER.test(token)) return token.slice(1, -1);
  try {
    const v: unknown = JSON.parse(token);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the text nests deeper than `maxDepth`: `scanEnvelope(text, maxDepth).tooDeep` without reading the
 * envelope — a third of its cost on every admission, where the envelope is only needed for a body too deep to parse.
 */
export function nestedDeeperThan(text: string, maxDepth = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(text, i);
      if (end === -1) return false;
      i = end - 1;
    } else if (isOpen(c)) {
      if (++depth > maxDepth) return true;
    } else if (isClose(c) && depth > 0) {
      depth--;
    }
  }
  return false;
}

interface Frame {
  object: boolean;
  /** In an object: the next string is a key. */
  expectKey: boolean;
  /** The key whose value comes next. */
  key?: string;
}

/**
 * Scans a JSON text for its nesting depth and, on the way, the envelope's `apiVersion` and `request.uid`. Never
 * throws and never recurses; a text that is not JSON just yields what was seen (the parser reports the error).
 */
export function scanEnvelope(text: string, maxDepth = MAX_JSON_DEPTH): EnvelopeScan {
  const out: EnvelopeScan = { depth: 0, tooDeep: false };
  const stack: Frame[] = [];
  const path: (string | undefined)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(text, i);
      if (end === -1) break;
      onString(text, [i, end], stack, path, out);
      i = end - 1;
    } else if (isOpen(c)) {
      path.push(stack[stack.length - 1]?.key);
      stack.push({ object: c === 0x7b, expectKey: c === 0x7b });
      out.depth = Math.max(out.depth, stack.length);
      if (stack.length > maxDepth) return { ...out, tooDeep: true };
    } else if (isClose(c)) {
      stack.pop();
      path.pop();
    } else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top?.object) top.expectKey = true;
    }
  }
  return out;
}

/**
 * A string token (`text` within `span`, quotes included): a key of the envelope's top two levels, or a value worth recording.
 * Only those are cut out of the text; the thousands of strings deeper in the object are skipped without a copy.
 */
function onString(text: string, span: readonly [number, number], stack: Frame[], path: readonly (string | undefined)[], out: EnvelopeScan): void {
  const top = stack[stack.length - 1];
  if (top?.object && top.expectKey) {
    top.key = stack.length <= 2 ? decodeString(text.slice(...span)) : undefined;
    top.expectKey = false;
  } else if (top && stack.length <= 2) {
    recordValue(out, path, top.key, text.slice(...span));
  }
}

function recordValue(out: EnvelopeScan, path: readonly (string | undefined)[], key: string | undefined, token: string): void {
  if (path.length === 1 && key === 'apiVersion') out.apiVersion = decodeString(token);
  else if (path.length === 2 && path[1] === 'request' && key === 'uid') out.uid = decodeString(token);
}
