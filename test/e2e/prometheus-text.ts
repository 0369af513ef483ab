/**
 * Reading the webhook's /metrics as a user's Prometheus would: samples by name and labels, and a quantile from a
 * histogram's cumulative buckets with the same linear interpolation as PromQL's histogram_quantile.
 */

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Samples of `name` whose labels include every pair of `match`. */
export function sampleValues(text: string, name: string, match: Record<string, string> = {}): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = SAMPLE.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(LABEL)].map((l) => [l[1]!, l[2]!]));
    if (Object.entries(match).every(([k, v]) => labels[k] === v)) out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

function bucketCounts(text: string, name: string, match: Record<string, string>, sign: 1 | -1, into: Map<number, number>): void {
  for (const s of sampleValues(text, `${name}_bucket`, match)) {
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    into.set(le, (into.get(le) ?? 0) + sign * s.value);
  }
}

/**
 * The q-quantile (0–1) of histogram `name` over the series matching `match` (their buckets summed), counting only
 * what was observed since `baseline` (an earlier scrape) when given. NaN when nothing was observed; the largest
 * finite bound when the quantile falls in the +Inf bucket.
 */
export function histogramQuantile(text: string, name: string, match: Record<string, string>, q: number, baseline?: string): number {
  const byBound = new Map<number, number>();
  bucketCounts(text, name, match, 1, byBound);
  if (baseline !== undefined) bucketCounts(baseline, name, match, -1, byBound);
  const buckets = [...byBound].sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [bound, count] of buckets) {
    if (count >= rank) {
      if (bound === Infinity) return lower;
      return lower + ((bound - lower) * (rank - below)) / Math.max(count - below, 1e-9);
    }
    lower = bound;
    below = count;
  }
  return lower;
}
