/**
 * Admission as the pod count grows (issue 17, item 5): 500 / 5,000 / 20,000 distinct pods (distinct names and
 * uids, as a rollout's ReplicaSet creates them) admitted by the compiled webhook as the chart runs it
 * (bench/admission/chart-webhook.ts), over a fixed set of images in the real docker-registry (bench/audit's mix:
 * 60% multi-arch, 10% arm64-only, 30% amd64-only; pod i names image i mod --images in every container). For each
 * size: a fresh webhook process, warmed up on other images (--jit-warmup), then the pods (cold: the first pod
 * naming an image resolves it), then the same number of new pods again (warm). Load: a closed loop of --concurrency
 * connections (the next pod when an answer is in), so wall time is what admitting that many pods costs at the
 * webhook's pace. Reports p50/p99 from the load generator, server
 * CPU µs per admission from /proc, and the exponent of total time vs pods (least squares on log–log).
 *
 *   npx tsc -p tsconfig.build.json && npx tsx bench/admission/scaling.ts [--sizes 500,5000,20000] [--images 50]
 *                                                  [--concurrency 10] [--jit-warmup 2000] [--node-options '…'] [--quick] [--write]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startRegistry } from '../../test/registry/registry.js';
import { populateRegistry } from '../audit/populate-registry.js';
import { startChartWebhook, type ChartWebhook } from './chart-webhook.js';
import { flood, rolloutPodReview } from './pod-flood.js';
import { powerLawExponent, quantile } from './stats.js';
import { appendToBenchmarks, flag, loadAverage, machine, runBenchmark, sectionHeading } from '../harness.js';
import { processCpuSeconds } from '../process-usage.js';

const QUICK = process.argv.includes('--quick');
const SIZES = flag('sizes', QUICK ? '100,500,2000' : '500,5000,20000').split(',').map(Number);
const IMAGES = Number(flag('images', '50'));
const CONCURRENCY = Number(flag('concurrency', '10'));
/**
 * Pods admitted by each fresh process before the measured passes, over another set of images: V8 compiles the hot
 * path during the first few thousand admissions, which would otherwise weigh on the small sizes only. 0: none (the
 * cold pass is then a freshly started process as well as first sight of each image).
 */
const JIT_WARMUP = Number(flag('jit-warmup', QUICK ? '500' : '2000'));
const WRITE = process.argv.includes('--write');
/** A runtime setting to try beside the chart's, appended to its NODE_OPTIONS (e.g. --max-semi-space-size=16). */
const EXTRA_NODE_OPTIONS = flag('node-options', '');

interface Pass {
  pods: number;
  cache: 'cold' | 'warm';
  wallS: number;
  p50: number;
  p99: number;
  max: number;
  cpuUs: number;
  decisions: Record<string, number>;
}

/** Admits `pods` new pods (numbered from `first`), with the webhook's CPU for them. */
async function pass(hook: ChartWebhook, images: readonly string[], pods: number, first: number, cache: Pass['cache']): Promise<Pass> {
  const cpuBefore = processCpuSeconds(hook.pid);
  const r = await flood(hook.url, hook.caPem, pods, (i) => rolloutPodReview(first + i, images[i % images.length]!), CONCURRENCY);
  const cpu = processCpuSeconds(hook.pid) - cpuBefore;
  return { pods, cache, wallS: r.wallMs / 1000, p50: quantile(r.latenciesMs, 0.5), p99: quantile(r.latenciesMs, 0.99), max: Math.max(...r.latenciesMs), cpuUs: (cpu * 1e6) / pods, decisions: r.decisions };
}

function section(passes: Pass[], hook: ChartWebhook, loadBefore: string): string {
  const slope = (cache: Pass['cache']): string => powerLawExponent(passes.filter((p) => p.cache === cache).map((p) => ({ x: p.pods, y: p.wallS }))).toFixed(2);
  const rows = passes.map((p) => `| ${p.pods.toLocaleString('en')} | ${p.cache} | ${p.wallS.toFixed(2)} | ${(p.pods / p.wallS).toFixed(0)} | ${p.p50.toFixed(2)} | ${p.p99.toFixed(2)} | ${p.max.toFixed(1)} | ${p.cpuUs.toFixed(0)} | ${Object.entries(p.decisions).map(([d, n]) => `${d} ${n}`).join(', ')} |`);
  return [
    sectionHeading(`admission at ${SIZES.map((s) => s.toLocaleString('en')).join(' / ')} pods, cold and warm`),
    '',
    `Command: \`npx tsc -p tsconfig.build.json && npx tsx bench/admission/scaling.ts --sizes ${SIZES.join(',')} --images ${IMAGES} --concurrency ${CONCURRENCY} --jit-warmup ${JIT_WARMUP}${EXTRA_NODE_OPTIONS ? ` --node-options '${EXTRA_NODE_OPTIONS}'` : ''}\``,
    `Machine: ${machine()}; ${hook.pinning}; load average ${loadBefore} before, ${loadAverage()} after (shared machine).`,
    `Webhook: \`bin/archcheck-webhook\` (dist/) with the chart's rendered config and environment \`${hook.chartEnv ? `${hook.chartEnv} ` : ''}NODE_OPTIONS=${hook.nodeOptions}\`, the chart ServiceAccount's token on the real test cluster; a fresh process per size${JIT_WARMUP > 0 ? `, which first admits ${JIT_WARMUP.toLocaleString('en')} pods over ${IMAGES} other images (not counted: V8 compiles the hot path meanwhile)` : ' (so the cold pass also pays V8 compiling the hot path)'}; then the measured pods (cold: first sight of each image), then as many new pods again (warm). Pods: the ReplicaSet pod fixture (~4.6 KB, 2 containers + 1 init container), distinct names and uids, pod i naming image i mod ${IMAGES} in every container; images: ${IMAGES} in Debian's docker-registry on loopback (60% multi-arch OCI indexes, 10% arm64-only, 30% amd64-only Docker v2). Load: closed loop over ${CONCURRENCY} HTTPS connections; latency per request from the load generator (ms), CPU per admission from the webhook's /proc/PID/stat (µs).`,
    '',
    '| pods | cache | wall s | admissions/s | p50 ms | p99 ms | max ms | server CPU µs/admission | decisions |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Total time ∝ pods^k: **k = ${slope('cold')} cold, ${slope('warm')} warm** (least squares over the sizes; 1.00 is linear — a constant cost per admission).`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const registry = await startRegistry({ name: 'bench-scaling' });
  let hook: ChartWebhook | undefined;
  try {
    const pushed = (await populateRegistry(registry, JIT_WARMUP > 0 ? 2 * IMAGES : IMAGES, registry.host)).map((i) => i.ref);
    const images = pushed.slice(0, IMAGES);
    const warmupImages = pushed.slice(IMAGES);
    hook = await startChartWebhook({ insecureRegistries: [registry.host] }, 'bench-scaling', { nodeOptions: EXTRA_NODE_OPTIONS });
    const passes: Pass[] = [];
    let next = 0;
    for (const [i, pods] of SIZES.entries()) {
      if (i > 0) await hook.restart();
      await sleep(2_000);
      if (JIT_WARMUP > 0) {
        await flood(hook.url, hook.caPem, JIT_WARMUP, (k) => rolloutPodReview(next + k, warmupImages[k % warmupImages.length]!), CONCURRENCY);
        next += JIT_WARMUP;
      }
      for (const cache of ['cold', 'warm'] as const) {
        passes.push(await pass(hook, images, pods, next, cache));
        next += pods;
        process.stderr.write(`${pods} pods ${cache}: ${passes.at(-1)!.wallS.toFixed(1)} s\n`);
      }
    }
    const text = section(passes, hook, loadBefore);
    process.stdout.write(`${text}\n`);
    if (WRITE) appendToBenchmarks(text);
  } finally {
    await hook?.stop();
    await registry.stop();
  }
}

await runBenchmark(main);
