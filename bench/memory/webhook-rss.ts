/**
 * The webhook's memory after resolving many distinct images (issue 17, P4: ≤ 150 MB after 10,000): the compiled
 * webhook as the chart runs it (bench/admission/chart-webhook.ts: chart config and cache defaults, the Deployment's
 * NODE_OPTIONS heap cap, the real test cluster's API server behind it), fed one `/mutate` admission per image over
 * HTTPS, each pod naming a distinct image. Reports VmRSS from the flood's end to a settle, VmHWM (the peak), and from the
 * webhook's own /metrics its heap and every registry cache's accounted bytes.
 *
 * The registry: `stub` (default) is the in-memory stand-in of bench/audit/stub-registry.ts serving generated
 * manifests (byte for byte what the fixture builder pushes); `real` pushes the images into Debian's docker-registry
 * first (~500 images a minute here, so use it for a slice, e.g. --images 1000).
 *
 *   npx tsc -p tsconfig.build.json && npx tsx bench/memory/webhook-rss.ts [--images 10000] [--registry stub|real]
 *                                                                         [--settle 60] [--concurrency 10] [--write]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sampleValues } from '../../test/e2e/prometheus-text.js';
import { startRegistry } from '../../test/registry/registry.js';
import { startChartWebhook, type ChartWebhook } from '../admission/chart-webhook.js';
import { flood, rolloutPodReview } from '../admission/pod-flood.js';
import { populateRegistry } from '../audit/populate-registry.js';
import { startStubRegistry } from '../audit/stub-registry.js';
import { benchImages, type SyntheticImage } from '../audit/synthetic-cluster.js';
import { appendToBenchmarks, flag, loadAverage, machine, runBenchmark, sectionHeading } from '../harness.js';
import { processCpuSeconds, processMemory } from '../process-usage.js';

const IMAGES = Number(flag('images', '10000'));
const REGISTRY = flag('registry', 'stub');
const SETTLE_S = Number(flag('settle', '60'));
/**
 * Seconds after the flood at which memory is read, up to --settle: V8 gives committed heap back only when its memory
 * reducer runs (several seconds after allocation slows), so one reading right after the flood overstates what stays.
 */
const READINGS_S = [0, 5, 15, 30, 60, 120].filter((t) => t < SETTLE_S).concat(SETTLE_S);
const CONCURRENCY = Number(flag('concurrency', '10'));
const WRITE = process.argv.includes('--write');
/** Runtime settings to try beside the chart's: appended to NODE_OPTIONS, and K=V environment pairs. */
const EXTRA_NODE_OPTIONS = flag('node-options', '');
const EXTRA_ENV = Object.fromEntries(flag('env', '').split(',').filter(Boolean).map((kv) => kv.split('=', 2) as [string, string]));
/** Writes a heap snapshot of the webhook after the settle (SIGUSR2, --heapsnapshot-signal) into this directory. */
const SNAPSHOT_DIR = flag('heap-snapshot-dir', '');
const MiB = 1024 * 1024;

interface Registry {
  host: string;
  images: SyntheticImage[];
  what: string;
  stop(): Promise<void>;
}

async function openRegistry(): Promise<Registry> {
  if (REGISTRY === 'real') {
    const registry = await startRegistry({ name: 'bench-rss' });
    const images = await populateRegistry(registry, IMAGES, registry.host);
    return { host: registry.host, images, what: `Debian's docker-registry on loopback, ${IMAGES} images pushed by the fixture builder`, stop: () => registry.stop() };
  }
  if (REGISTRY !== 'stub') throw new Error(`--registry ${REGISTRY}: expected stub or real`);
  const placeholder = benchImages(IMAGES, 'HOST');
  const stub = await startStubRegistry(placeholder, 0);
  const images = placeholder.map((i) => ({ ...i, ref: i.ref.replace('HOST', stub.host) }));
  return { host: stub.host, images, what: `in-memory stub registry (bench/audit/stub-registry.ts, generated manifests, no delay), ${IMAGES} images`, stop: () => stub.stop() };
}

interface Snapshot {
  rssMiB: number;
  hwmMiB: number;
  metricsRssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  caches: Record<string, { bytes?: number; entries: number }>;
}

async function snapshot(hook: ChartWebhook): Promise<Snapshot> {
  const text = await (await fetch(hook.metricsUrl)).text();
  const one = (name: string): number => (sampleValues(text, name)[0]?.value ?? NaN) / MiB;
  const caches: Snapshot['caches'] = {};
  for (const s of sampleValues(text, 'archcheck_cache_entries')) caches[s.labels.cache!] = { entries: s.value };
  for (const s of sampleValues(text, 'archcheck_cache_bytes')) caches[s.labels.cache!] = { entries: caches[s.labels.cache!]?.entries ?? 0, bytes: s.value };
  return { ...processMemory(hook.pid), metricsRssMiB: one('process_resident_memory_bytes'), heapUsedMiB: one('nodejs_heap_size_used_bytes'), heapTotalMiB: one('nodejs_heap_size_total_bytes'), externalMiB: one('nodejs_external_memory_bytes'), caches };
}

const mib = (n: number): string => n.toFixed(0);

function cacheLine(s: Snapshot): string {
  const total = Object.values(s.caches).reduce((n, c) => n + (c.bytes ?? 0), 0);
  const parts = Object.entries(s.caches).map(([name, c]) => `${name} ${c.entries}${c.bytes === undefined ? '' : ` (${(c.bytes / MiB).toFixed(1)} MiB)`}`);
  return `${(total / MiB).toFixed(1)} MiB accounted — ${parts.join(', ')}`;
}

function section(o: { registry: Registry; hook: ChartWebhook; idle: Snapshot; readings: { atS: number; s: Snapshot }[]; decisions: Record<string, number>; wallS: number; cpuUs: number; loadBefore: string }): string {
  const { idle } = o;
  const after = o.readings.at(-1)!.s;
  const row = (when: string, r: Snapshot): string => `| ${when} | ${mib(r.rssMiB)} MiB | ${mib(r.hwmMiB)} MiB | ${mib(r.heapUsedMiB)} / ${mib(r.heapTotalMiB)} MiB | ${mib(r.externalMiB)} MiB | ${cacheLine(r)} |`;
  // The issue's target is in MB (10^6 bytes): 150 MB is 143 MiB.
  const mb = (after.rssMiB * MiB) / 1e6;
  const judged = IMAGES >= 10_000 ? (mb <= 150 ? '≤ 150 MB: met' : '> 150 MB: not met') : `(a slice: the target is for 10,000 images)`;
  const verdict = `**${mib(after.rssMiB)} MiB = ${mb.toFixed(0)} MB ${judged}**`;
  return [
    sectionHeading(`webhook RSS after ${IMAGES.toLocaleString('en')} distinct images (P4)`),
    '',
    `Command: \`npx tsc -p tsconfig.build.json && npx tsx bench/memory/webhook-rss.ts --images ${IMAGES} --registry ${REGISTRY} --settle ${SETTLE_S} --concurrency ${CONCURRENCY}${EXTRA_NODE_OPTIONS ? ` --node-options '${EXTRA_NODE_OPTIONS}'` : ''}${o.hook.extraEnv ? ` --env ${o.hook.extraEnv.replaceAll(' ', ',')}` : ''}\``,
    `Machine: ${machine()}; ${o.hook.pinning}; load average ${o.loadBefore} before, ${loadAverage()} after (shared machine).`,
    `Webhook: \`bin/archcheck-webhook\` (dist/) with the chart's rendered config (default cache settings) and the Deployment's environment${EXTRA_NODE_OPTIONS || o.hook.extraEnv ? ' plus this run\'s settings' : ''}: \`${[o.hook.chartEnv, o.hook.extraEnv].filter(Boolean).join(' ')} NODE_OPTIONS=${o.hook.nodeOptions}\`, the chart ServiceAccount's token on the real test cluster (node discovery, Lease, gate controller, reconciler running). Registry: ${o.registry.what}. One \`/mutate\` per image over HTTPS, ${CONCURRENCY} connections, each a ReplicaSet's pod (distinct name and uid, every container naming that pod's image): ${IMAGES} admissions in ${o.wallS.toFixed(1)} s (webhook CPU ${o.cpuUs.toFixed(0)} µs per admission, first sight of each image), decisions ${JSON.stringify(o.decisions)}.`,
    '',
    '| when | VmRSS | VmHWM (peak) | heap used / total | external | registry caches |',
    '|---|---|---|---|---|---|',
    row('ready, before the flood', idle),
    ...o.readings.map((r) => row(r.atS === 0 ? 'right after the flood' : `${r.atS} s after`, r.s)),
    '',
    `VmRSS/VmHWM from /proc/PID/status; heap, external and caches from the webhook's /metrics (process_resident_memory_bytes there: ${mib(after.metricsRssMiB)} MiB). VmRSS ${SETTLE_S} s after the flood against the target (≤ 150 MB after 10,000 images): ${verdict}.`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const registry = await openRegistry();
  let hook: ChartWebhook | undefined;
  try {
    const snapshotOptions = SNAPSHOT_DIR ? `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${SNAPSHOT_DIR}` : '';
    hook = await startChartWebhook({ insecureRegistries: [registry.host] }, 'bench-rss', { nodeOptions: [EXTRA_NODE_OPTIONS, snapshotOptions].filter(Boolean).join(' '), env: EXTRA_ENV });
    await sleep(5_000);
    const idle = await snapshot(hook);
    process.stderr.write(`ready: rss ${mib(idle.rssMiB)} MiB; flooding ${IMAGES} admissions\n`);
    const images = registry.images;
    const cpuBefore = processCpuSeconds(hook.pid);
    const result = await flood(hook.url, hook.caPem, IMAGES, (i) => rolloutPodReview(i, images[i]!.ref), CONCURRENCY);
    const cpuUs = ((processCpuSeconds(hook.pid) - cpuBefore) * 1e6) / IMAGES;
    process.stderr.write(`flood done in ${(result.wallMs / 1000).toFixed(1)} s, webhook CPU ${cpuUs.toFixed(0)} µs per admission: ${JSON.stringify(result.decisions)}; settling ${SETTLE_S} s\n`);
    const readings: { atS: number; s: Snapshot }[] = [];
    const floodEnd = Date.now();
    for (const atS of READINGS_S) {
      await sleep(Math.max(0, floodEnd + atS * 1000 - Date.now()));
      readings.push({ atS, s: await snapshot(hook) });
    }
    if (SNAPSHOT_DIR) {
      process.kill(hook.pid, 'SIGUSR2');
      await sleep(20_000);
      process.stderr.write(`heap snapshot requested into ${SNAPSHOT_DIR}\n`);
    }
    const text = section({ registry, hook, idle, readings, decisions: result.decisions, wallS: result.wallMs / 1000, cpuUs, loadBefore });
    process.stdout.write(`${text}\n`);
    if (WRITE) appendToBenchmarks(text);
  } finally {
    await hook?.stop();
    await registry.stop();
  }
}

await runBenchmark(main);
