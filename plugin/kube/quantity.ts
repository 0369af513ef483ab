/** Kubernetes resource quantities (`500m`, `2`, `1.5`, `16Gi`, `1e3`), as plain numbers. */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/** The quantity's value in base units (cores for CPU, bytes for memory); undefined when it is not a quantity. */
export function parseQuantity(text: string | number | undefined): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) ? text : undefined;
  if (typeof text !== 'string') return undefined;
  const m = QUANTITY.exec(text.trim());
  if (!m) return undefined;
  const [, number, exponent, suffix] = m;
  const value = Number(number);
  if (exponent) return value * 10 ** Number(exponent.slice(1));
  const multiplier = suffix ? (BINARY[suffix] ?? DECIMAL[suffix]) : 1;
  return multiplier === undefined ? undefined : value * multiplier;
}

/** CPU in millicores, rounded up as the scheduler does (`100m` → 100, `0.5` → 500, `1` → 1000). */
export function cpuMillis(text: string | number | undefined): number {
  const cores = parseQuantity(text);
  return cores === undefined ? 0 : Math.ceil(Math.round(cores * 1e6) / 1e3);
}

/** `16Gi`-style display of a byte count (binary units, one decimal when needed). */
export function formatBytes(bytes: number): string {
  const units: Array<[string, number]> = [
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ];
  for (const [unit, size] of units) {
    if (bytes >= size) return `${trimNumber(bytes / size)}${unit}`;
  }
  return String(Math.round(bytes));
}

/** CPU cores for display: `4`, `3.5`, `0.25`. */
export function formatCores(millis: number): string {
  return trimNumber(millis / 1000, 3);
}

function trimNumber(n: number, digits = 1): string {
  return String(Number(n.toFixed(digits)));
}
