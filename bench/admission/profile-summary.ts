/**
 * Top self-time functions of a V8 .cpuprofile (as `node --cpu-prof` writes it; ARCHCHECK_BENCH_CPU_PROF=DIR makes
 * bench/admission/run.ts write one per server), over the last N seconds of the profile only — the unthrottled
 * pass, without startup and warm-up. Shares are of the busy time (idle excluded). docs/perf/admission-profile.md
 * holds its output before and after.
 *
 * With --inclusive, each function's share counts the time of everything it called too (a function on the stack
 * twice counts once), with its line, as the flame graph shows it; --skip S ends the window S seconds before the
 * profile's end (the floor's unthrottled pass ends before the webhook's starts).
 *
 *   npx tsx bench/admission/profile-summary.ts FILE.cpuprofile [--last 9] [--skip 0] [--top 25] [--inclusive]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

const file = process.argv[2];
if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [--last SECONDS] [--top N]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const lastUs = flag('last', 9) * 1e6;
const skipUs = flag('skip', 0) * 1e6;
const INCLUSIVE = process.argv.includes('--inclusive');
const top = flag('top', 25);

/** A function by name and file, the file shortened to the repository or the package. */
const label = (n: ProfileNode): string =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(?:dist\/)?(webhook|core|bench)\//, '$1/')}${INCLUSIVE ? `:${n.callFrame.lineNumber + 1}` : ''}`.trim();

const totalUs = profile.timeDeltas.reduce((a, b) => a + b, 0);
const byNode = new Map<number, number>();
let clock = 0;
profile.samples.forEach((id, i) => {
  clock += profile.timeDeltas[i] ?? 0;
  if (clock >= totalUs - skipUs - lastUs && clock < totalUs - skipUs) byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);

/** The labels on a sample's stack, each once (the sample's own function first). */
function stackLabels(id: number): Set<string> {
  const labels = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) labels.add(label(nodes.get(at)!));
  return labels;
}

const self = new Map<string, number>();
let windowUs = 0;
let idleUs = 0;
for (const n of profile.nodes) {
  const us = byNode.get(n.id) ?? 0;
  windowUs += us;
  if (n.callFrame.functionName === '(idle)') idleUs += us;
  else if (us > 0) for (const l of INCLUSIVE ? stackLabels(n.id) : [label(n)]) self.set(l, (self.get(l) ?? 0) + us);
}
const busy = windowUs - idleUs;
self.delete(label({ id: 0, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } }));
console.log(`window ${(windowUs / 1e3).toFixed(0)} ms, busy ${(busy / 1e3).toFixed(0)} ms`);
console.log('| share of busy time | function |\n| ---: | --- |');
for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`| ${((100 * us) / busy).toFixed(1)}% | \`${name}\` |`);
}
