/**
 * What renewing tags ahead of their expiry (decision 0052) changes for admissions: lookups of three images in steady
 * use, as an admission makes them (the answer from memory, else a lookup that waits), every 10 ms for several TTLs,
 * against a real docker-registry behind the counting proxy delaying every request 50 ms — with tagRefreshAhead on
 * and off, in turn, in one run. Prints per mode the admissions that waited on the registry, their lookup time
 * (p50 / p99 / max of the admission's three lookups) and the registry requests; `--write` appends it to BENCHMARKS.md.
 *
 *   npx tsx bench/registry/tag-refresh.ts [--seconds 20] [--ttl-ms 2000] [--latency-ms 50] [--write]
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryClient } from '../../core/registry/client.js';
import { startCountingProxy, type CountingProxy } from '../../test/registry/counting-proxy.js';
import { pushStandardFixtures } from '../../test/registry/fixtures.js';
import { startRegistry } from '../../test/registry/registry.js';
import { quantile } from '../admission/stats.js';
import { appendToBenchmarks, loadAverage, machine, numberFlag, runBenchmark, sectionHeading } from '../harness.js';

const SECONDS = numberFlag('seconds', 20);
const TTL_MS = numberFlag('ttl-ms', 2_000);
const LATENCY_MS = numberFlag('latency-ms', 50);
const INTERVAL_MS = 10;

interface ModeResult {
  mode: string;
  admissions: number;
  waited: number;
  p50: number;
  p99: number;
  max: number;
  requests: string;
}

function describeRequests(proxy: CountingProxy): string {
  const counts = new Map<string, number>();
  for (const r of proxy.requests) counts.set(`${r.method} ${r.kind}`, (counts.get(`${r.method} ${r.kind}`) ?? 0) + 1);
  return [...counts.entries()].map(([k, n]) => `${n}× ${k}`).join(', ') || 'none';
}

async function measure(proxy: CountingProxy, refs: string[], refreshAhead: boolean): Promise<ModeResult> {
  const client = new RegistryClient({ insecureRegistries: [proxy.host], tagTtlMs: TTL_MS, tagRefreshAhead: refreshAhead });
  await Promise.all(refs.map((ref) => client.resolve(ref)));
  proxy.reset();
  proxy.inject({ kind: 'delay', ms: LATENCY_MS, times: Infinity });
  const times: number[] = [];
  let waited = 0;
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    const started = performance.now();
    let wait = false;
    // As an admission does: every image from memory when it can; the rest looked up together within its deadline.
    const pending = refs.filter((ref) => client.resolveFromMemory(ref) === undefined);
    if (pending.length > 0) {
      wait = true;
      await Promise.all(pending.map((ref) => client.resolve(ref)));
    }
    times.push(performance.now() - started);
    if (wait) waited++;
    await sleep(INTERVAL_MS);
  }
  await client.close();
  return {
    mode: refreshAhead ? 'tags renewed ahead (default)' : 'tagRefreshAhead: false (before)',
    admissions: times.length,
    waited,
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
    max: Math.max(...times),
    requests: describeRequests(proxy),
  };
}

async function main(): Promise<void> {
  const before = loadAverage();
  const registry = await startRegistry({ name: 'bench-tag-refresh' });
  const proxy = await startCountingProxy(registry.url);
  try {
    const fx = await pushStandardFixtures(registry, { bigManifest: false, refHost: proxy.host });
    const refs = [fx.multi.ref, fx.buildx.ref, fx.singleArm64.ref];
    const results: ModeResult[] = [];
    // Off, on, off, on: neither mode always runs on the warmer (or the more loaded) machine.
    for (const on of [false, true, false, true]) results.push(await measure(proxy, refs, on));
    const ms = (v: number) => `${v.toFixed(2)} ms`;
    const lines = [
      `Three tags (an OCI index, a buildx index with attestations, a single-arch image) looked up as an admission does every ${INTERVAL_MS} ms for ${SECONDS} s per pass, TTL ${TTL_MS} ms, every registry request delayed ${LATENCY_MS} ms by the counting proxy in front of Debian's docker-registry; passes alternate off, on, off, on.`,
      '',
      '| mode | admissions | waited on the registry | lookup time p50 / p99 / max | registry requests |',
      '| --- | ---: | ---: | --- | --- |',
      ...results.map((r) => `| ${r.mode} | ${r.admissions} | ${r.waited} | ${ms(r.p50)} / ${ms(r.p99)} / ${ms(r.max)} | ${r.requests} |`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (process.argv.includes('--write')) {
      const command = `npx tsx bench/registry/tag-refresh.ts --seconds ${SECONDS} --ttl-ms ${TTL_MS} --latency-ms ${LATENCY_MS} --write`;
      appendToBenchmarks(
        [
          sectionHeading('tags renewed ahead of expiry: what admissions wait for'),
          '',
          `Command: \`${command}\`. Machine: ${machine()}; load average ${before} before, ${loadAverage()} after.`,
          '',
          ...lines,
          '',
        ].join('\n'),
      );
    }
  } finally {
    await proxy.stop();
    await registry.stop();
  }
}

await runBenchmark(main);
