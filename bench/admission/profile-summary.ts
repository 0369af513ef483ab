/**
 * Top self-time functions of a V8 .cpuprofile (as `node --cpu-prof` writes it; ARCHCHECK_BENCH_CPU_PROF=DIR makes
 * bench/admission/run.ts write one per server), over the last N seconds of the profile only — the unthrottled
 * pass, without startup and warm-up. Shares are of the busy time (idle excluded). docs/perf/admission-profile.md
 * holds its output before and after.
 *
 *   npx tsx bench/admission/profile-summary.ts FILE.cpuprofile [--last 9] [--top 25]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
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
const top = flag('top', 25);

/** A function by name and file, the file shortened to the repository or the package. */
const label = (n: ProfileNode): string =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(webhook|core|bench)\//, '$1/')}`.trim();

const totalUs = profile.timeDeltas.reduce((a, b) => a + b, 0);
const byNode = new Map<number, number>();
let clock = 0;
profile.samples.forEach((id, i) => {
  clock += profile.timeDeltas[i] ?? 0;
  if (clock >= totalUs - lastUs) byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const self = new Map<string, number>();
for (const n of profile.nodes) self.set(label(n), (self.get(label(n)) ?? 0) + (byNode.get(n.id) ?? 0));
const idle = self.get('(idle)') ?? 0;
const window = [...self.values()].reduce((a, b) => a + b, 0);
const busy = window - idle;
console.log(`window ${(window / 1e3).toFixed(0)} ms, busy ${(busy / 1e3).toFixed(0)} ms`);
console.log('| share of busy time | function |\n| ---: | --- |');
for (const [name, us] of [...self].filter(([name]) => name !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`| ${((100 * us) / busy).toFixed(1)}% | \`${name}\` |`);
}
