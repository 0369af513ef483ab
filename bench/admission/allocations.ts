/**
 * Bytes allocated per warm admission, by stage, in-process on the compiled webhook (not a timed test). Every
 * allocation is young-generation garbage the scavenger must visit; at 1,000 admissions per second the webhook's
 * ≈ 4× the floor's allocation is ≈ 4× its scavenges, each a pause of every connection (bench/admission/run.ts's
 * pause lines). Stages, each cumulative over the one before: decoding the body; the decision (admit, the review,
 * its JSON); the whole route (`answerAdmission` with the metrics and the decision log line to /dev/null).
 * Measured as the V8 heap's growth over N iterations with a young generation large enough that no collection runs
 * in between (checked: a pass during which a GC ran is refused).
 *
 * With --heap-profile DIR, each stage's pass is also recorded by V8's sampling heap profiler (every object is still
 * alive at its end, no collection having run): DIR/<stage>.heapprofile, for Chrome DevTools or a summary by site.
 *
 *   npm run build && node --min-semi-space-size=128 --max-semi-space-size=128 --expose-gc --import tsx \
 *     bench/admission/allocations.ts [--iterations 500] [--heap-profile DIR]
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { pino } from 'pino';
import { pushStandardFixtures } from '../../test/registry/fixtures.js';
import { startRegistry } from '../../test/registry/registry.js';
import { distModule } from '../compiled-webhook.js';
import { flag, numberFlag } from '../harness.js';
import { bodies } from './bodies.js';

process.setSourceMapsEnabled(false);
const ITERATIONS = numberFlag('iterations', 500);
const PROFILE_DIR = flag('heap-profile', '') || undefined;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (and --max-semi-space-size=256, so no collection runs during a pass)');

const load = async <T>(path: string): Promise<T> => (await import(distModule(path))) as T;

let collections = 0;
new PerformanceObserver((list) => (collections += list.getEntries().length)).observe({ entryTypes: ['gc'] });

/** Bytes allocated per call of `step`, over ITERATIONS calls cycling through the bodies; undefined when a GC ran. */
async function bytesPer(step: (i: number) => unknown, profile?: { session: Session; file: string }): Promise<number | undefined> {
  for (let i = 0; i < 200; i++) await step(i);
  gc!();
  // The observer hears of a collection a moment later: let the forced one arrive before counting.
  await new Promise((r) => setTimeout(r, 100));
  const seen = collections;
  if (profile) await profile.session.post('HeapProfiler.startSampling', { samplingInterval: 512 });
  const before = getHeapStatistics().used_heap_size;
  for (let i = 0; i < ITERATIONS; i++) await step(i);
  const after = getHeapStatistics().used_heap_size;
  await new Promise((r) => setTimeout(r, 100));
  const quiet = collections === seen;
  if (profile) writeFileSync(profile.file, JSON.stringify((await profile.session.post('HeapProfiler.stopSampling')).profile));
  return quiet ? (after - before) / ITERATIONS : undefined;
}

async function main(): Promise<void> {
  const { defaultConfig } = await load<typeof import('../../webhook/config.js')>('webhook/config.js');
  const { openRegistryClient } = await load<typeof import('../../core/registry/open-client.js')>('core/registry/open-client.js');
  const { parseAdmissionReview } = await load<typeof import('../../webhook/admission/review.js')>('webhook/admission/review.js');
  const { outcomeToReview } = await load<typeof import('../../webhook/admission/response.js')>('webhook/admission/response.js');
  const { admit } = await load<typeof import('../../webhook/handlers/admit.js')>('webhook/handlers/admit.js');
  const { Deadline, admissionDeadlineMs } = await load<typeof import('../../webhook/images/deadline.js')>('webhook/images/deadline.js');
  const { ImageLookup } = await load<typeof import('../../webhook/images/image-lookup.js')>('webhook/images/image-lookup.js');
  const { policySettings } = await load<typeof import('../../webhook/policy/settings.js')>('webhook/policy/settings.js');
  const { fakeCluster } = await load<typeof import('../../webhook/testing/fake-cluster.js')>('webhook/testing/fake-cluster.js');
  const { answerAdmission } = await load<typeof import('../../webhook/server/admission-route.js')>('webhook/server/admission-route.js');
  const { decodeJsonText } = await load<typeof import('../../webhook/server/body-limits.js')>('webhook/server/body-limits.js');
  const { createLogger } = await load<typeof import('../../webhook/logger.js')>('webhook/logger.js');
  const { WebhookMetrics } = await load<typeof import('../../webhook/metrics.js')>('webhook/metrics.js');

  const registry = await startRegistry({ name: 'bench-alloc' });
  try {
    const fx = await pushStandardFixtures(registry, { bigManifest: false });
    const config = { ...defaultConfig, insecureRegistries: [registry.host], resolveTimeout: 3_000 };
    const opened = await openRegistryClient(config, { resolveTimeoutMs: 3_000, requestTimeoutMs: 3_000 });
    const env = { settings: policySettings(config, 'archcheck'), cluster: fakeCluster({ nodes: { amd: 'amd64', arm: 'arm64' } }), images: new ImageLookup(opened.client) };
    const texts = bodies({ multi: fx.multi.ref, amd64: fx.singleAmd64.ref, arm64: fx.singleArm64.ref });
    const deps = { env, metrics: new WebhookMetrics({ version: 'bench' }), logger: createLogger('info', pino.destination('/dev/null') as unknown as NodeJS.WritableStream), resolveTimeoutMs: 3_000 };
    const text = (i: number): string => texts[i % texts.length]!;
    let answer = '';
    const writer = { send: (_status: number, body: unknown) => void (answer = JSON.stringify(body)), sent: () => answer !== '' };

    const stages: [string, (i: number) => unknown][] = [
      ['decode the body (JSON.parse + depth scan)', (i) => decodeJsonText(text(i))],
      [
        'decode + decide (admit, the review, its JSON)',
        async (i) => {
          const request = parseAdmissionReview((decodeJsonText(text(i)) as { json: unknown }).json);
          const deadline = new Deadline(admissionDeadlineMs(3_000, '10s'));
          answer = JSON.stringify(outcomeToReview(request, await admit('mutate', request, env, deadline)));
          deadline.dispose();
        },
      ],
      [
        'the whole route (answerAdmission: + metrics, decision log line)',
        async (i) => {
          answer = '';
          await answerAdmission('mutate', deps, decodeJsonText(text(i)) as { json: unknown }, '10s', writer);
        },
      ],
    ];
    process.stdout.write(`Bytes allocated per warm admission (${ITERATIONS} iterations per stage, cycling the bench's three bodies of ${texts.map((t) => t.length).join(' / ')} B):\n\n| stage | bytes per admission |\n| --- | ---: |\n`);
    const session = PROFILE_DIR ? new Session() : undefined;
    session?.connect();
    for (const [index, [name, step]] of stages.entries()) {
      const bytes = await bytesPer(step, session && { session, file: join(PROFILE_DIR!, `stage-${index + 1}.heapprofile`) });
      process.stdout.write(`| ${name} | ${bytes === undefined ? 'a GC ran: raise --max-semi-space-size' : Math.round(bytes).toLocaleString('en')} |\n`);
    }
    if (!answer.includes('"decision":"injected"')) throw new Error(`last answer not placed: ${answer}`);
    await opened.client.close();
  } finally {
    await registry.stop();
  }
}

await main();
