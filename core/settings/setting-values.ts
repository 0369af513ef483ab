import { parseDuration } from '../duration.js';

/** Parsers for setting values shared by the webhook and the plugin. Each throws an Error whose message says what was expected; the caller adds where the value came from. */

export function parseText(text: string): string {
  return text.trim();
}

export function parseEnum<T extends string>(allowed: readonly T[]): (text: string) => T {
  return (text) => {
    const v = text.trim();
    if ((allowed as readonly string[]).includes(v)) return v as T;
    throw new Error(`expected one of ${allowed.join(', ')}`);
  };
}

export function parseBoolean(text: string): boolean {
  const v = text.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new Error('expected true or false');
}

export function parseHostPort(text: string): string {
  const v = text.trim();
  if (!/^[a-zA-Z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:.]+\](:\d{1,5})?$/.test(v)) throw new Error('expected host[:port], e.g. registry.local:5000');
  return v;
}

/** `HOST[:PORT]=VALUE` with a non-empty value (a registry CA: `HOST=FILE`). */
export function parseHostAssignment(example: string): (text: string) => string {
  return (text) => {
    const v = text.trim();
    const eq = v.indexOf('=');
    if (eq <= 0 || v.slice(eq + 1).trim() === '') throw new Error(`expected HOST[:PORT]=VALUE, e.g. ${example}`);
    parseHostPort(v.slice(0, eq));
    return `${v.slice(0, eq).trim()}=${v.slice(eq + 1).trim()}`;
  };
}

/** Checks an item with a parser that throws (core's: its message says what is wrong; the caller adds where), keeps the text. */
export function checkedText(check: (text: string) => unknown): (text: string) => string {
  return (text) => {
    const v = text.trim();
    check(v);
    return v;
  };
}

/** A whole number within bounds (a cache size, a count). */
export function parseBoundedInteger(min: number, max: number): (text: string) => number {
  return (text) => {
    const v = text.trim();
    const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

/** A duration within bounds, in milliseconds (`500ms`, `3s`, `1m30s`, `15m`). */
export function parseBoundedDuration(minMs: number, maxMs: number): (text: string) => number {
  return (text) => {
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch {
      throw new Error('expected a duration such as 500ms, 3s or 1m');
    }
    if (ms < minMs || ms > maxMs) throw new Error(`expected a duration between ${minMs}ms and ${maxMs / 1000}s`);
    return ms;
  };
}
