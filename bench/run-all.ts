/**
 * Every benchmark in one go (`npm run bench`, or `npm run bench -- --quick` for short passes), one after the other
 * so none competes with another for the CPU. Benchmarks that write their own BENCHMARKS.md section do so; for those
 * that only print, this script appends their output under a heading with the date, machine, load average and the
 * command. No benchmark is a timed assertion in the test suite: these figures are read, not checked.
 *
 *   npx tsx bench/run-all.ts [--quick] [--only admission,audit,webhook-rss,admission-scaling,tag-refresh,...]
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { appendToBenchmarks, loadAverage, machine, sectionHeading } from './harness.js';

const ROOT = join(import.meta.dirname, '..');
const QUICK = process.argv.includes('--quick');
const onlyAt = process.argv.indexOf('--only');
const ONLY = onlyAt === -1 ? undefined : new Set(process.argv[onlyAt + 1]?.split(','));

interface Bench {
  name: string;
  /** Arguments to node (after `--import tsx`), from the repository root. */
  args: string[];
  /** The benchmark appends its own section; otherwise its standard output is appended here. */
  writesItself: boolean;
  title: string;
  /** Runs the compiled webhook (dist/): `tsc -p tsconfig.build.json` first, so the figures are for these sources. */
  needsBuild?: boolean;
}

const BENCHES: Bench[] = [
  { name: 'admission', title: 'admission webhook vs minimal HTTPS server', writesItself: true, args: ['bench/admission/run.ts', ...(QUICK ? ['--quick'] : [])] },
  { name: 'decide', title: 'admission decision alone, in-process (admit + outcomeToReview + JSON.stringify)', writesItself: false, args: ['bench/admission/decide.ts', ...(QUICK ? ['--quick'] : [])] },
  { name: 'admission-workers', title: 'admission, 3 processes each', writesItself: true, args: ['bench/admission/run.ts', '--workers', '3', ...(QUICK ? ['--quick'] : [])] },
  { name: 'audit', title: 'audit against stand-ins', writesItself: true, args: ['bench/audit/run.ts', '--registry', 'stub', '--append', ...(QUICK ? ['--pods', '500', '--images', '50'] : [])] },
  { name: 'audit-side-by-side', title: 'audit side by side with kubearchinspect (real cluster and registry)', writesItself: true, args: ['bench/audit/side-by-side.ts', '--append', ...(QUICK ? ['--quick'] : [])] },
  { name: 'registry', title: 'registry request economy', writesItself: true, args: ['bench/registry/run.ts', '--write'] },
  { name: 'tag-refresh', title: 'tags renewed ahead of expiry: what admissions wait for', writesItself: true, args: ['bench/registry/tag-refresh.ts', '--write', ...(QUICK ? ['--seconds', '8'] : [])] },
  { name: 'webhook-rss', title: 'webhook RSS after N distinct images', writesItself: true, needsBuild: true, args: ['bench/memory/webhook-rss.ts', '--write', ...(QUICK ? ['--images', '2000', '--settle', '5'] : [])] },
  { name: 'admission-scaling', title: 'admission at 500 / 5,000 / 20,000 pods', writesItself: true, needsBuild: true, args: ['bench/admission/scaling.ts', '--write', ...(QUICK ? ['--quick'] : [])] },
  { name: 'memory', title: 'registry client RSS under a flood of distinct names', writesItself: false, args: ['--expose-gc', 'bench/memory/soak.ts', ...(QUICK ? ['2000', '20'] : ['20000', '200'])] },
  { name: 'events', title: 'what an admission pays for its Event', writesItself: false, args: ['bench/events/record.ts'] },
  { name: 'network', title: 'address guard per registry request', writesItself: false, args: ['bench/network/address-guard.ts'] },
];

function run(bench: Bench): boolean {
  const before = loadAverage();
  const [first, ...rest] = bench.args;
  const nodeArgs = first === '--expose-gc' ? ['--expose-gc', '--import', 'tsx', ...rest] : ['--import', 'tsx', ...bench.args];
  process.stderr.write(`\n== ${bench.name}: node ${nodeArgs.join(' ')}\n`);
  const out = spawnSync(process.execPath, nodeArgs, { cwd: ROOT, stdio: ['ignore', bench.writesItself ? 'inherit' : 'pipe', 'inherit'], encoding: 'utf8' });
  if (out.status !== 0) {
    process.stderr.write(`${bench.name} failed (exit ${out.status ?? out.signal}); its figures are not written\n`);
    return false;
  }
  if (!bench.writesItself) {
    process.stdout.write(out.stdout);
    const section = [
      sectionHeading(bench.title),
      '',
      `Command: \`node ${nodeArgs.join(' ')}\` (from \`npm run bench${QUICK ? ' -- --quick' : ''}\`). Machine: ${machine()}; load average ${before} before, ${loadAverage()} after (shared machine).`,
      '',
      '```',
      out.stdout.trimEnd(),
      '```',
      '',
    ].join('\n');
    appendToBenchmarks(section);
  }
  return true;
}

/** Compiles dist/ once for the benchmarks that run the compiled webhook; false when the build fails. */
function build(): boolean {
  process.stderr.write('\n== build: tsc -p tsconfig.build.json (for the benchmarks that run dist/)\n');
  const out = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  return out.status === 0;
}

const selected = BENCHES.filter((b) => !ONLY || ONLY.has(b.name));
const built = !selected.some((b) => b.needsBuild) || build();
const failed = selected.filter((b) => (b.needsBuild && !built) || !run(b));
if (failed.length > 0) {
  process.stderr.write(`failed: ${failed.map((b) => b.name).join(', ')}\n`);
  process.exitCode = 1;
}
