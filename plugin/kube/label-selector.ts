/**
 * Kubernetes label selectors as `-l` takes them: `app=web`, `tier!=db`, `env in (prod,staging)`,
 * `env notin (dev)`, `canary`, `!canary`, comma-separated and ANDed. Matching happens here, not on the server,
 * because `-l` selects workloads while their pods (listed unfiltered) still have to roll up to them.
 */

export type LabelRequirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'doesnotexist' };

const KEY = /^(?:[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^(?:[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?$/;

/** Splits on commas that are not inside `( … )`. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function checkKey(key: string, selector: string): string {
  if (!KEY.test(key)) throw new Error(`invalid label selector "${selector}": "${key}" is not a label key`);
  return key;
}

function checkValues(values: string[], selector: string): string[] {
  for (const v of values) if (!VALUE.test(v)) throw new Error(`invalid label selector "${selector}": "${v}" is not a label value`);
  return values;
}

function parseRequirement(part: string, selector: string): LabelRequirement {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
  if (set) {
    const values = set[3]!.split(',').map((v) => v.trim());
    return { key: checkKey(set[1]!, selector), op: set[2] as 'in' | 'notin', values: checkValues(values, selector) };
  }
  const eq = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (eq) {
    const values = checkValues([eq[3]!], selector);
    return { key: checkKey(eq[1]!, selector), op: eq[2] === '!=' ? 'notin' : 'in', values };
  }
  if (part.startsWith('!')) return { key: checkKey(part.slice(1).trim(), selector), op: 'doesnotexist' };
  return { key: checkKey(part, selector), op: 'exists' };
}

/** Parses a selector; throws an Error naming the bad part. */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  return splitTopLevel(selector).map((part) => parseRequirement(part, selector));
}

export function matchesLabels(requirements: readonly LabelRequirement[], labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.hasOwn(l, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'doesnotexist':
        return !has;
      case 'in':
        return has && r.values.includes(l[r.key]!);
      case 'notin':
        return !has || !r.values.includes(l[r.key]!);
    }
  });
}
