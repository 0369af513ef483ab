/**
 * Request economy of the registry client: how many registry (and token) requests each scenario costs, counted by
 * a recording proxy in front of a real docker-registry. Writes a dated section to BENCHMARKS.md.
 *
 *   npx tsx bench/registry/run.ts
 */
import { appendFileSync } from 'node:fs';
import { RegistryClient } from '../../core/registry/client.js';
import { startCountingProxy, type CountingProxy } from '../../test/registry/counting-proxy.js';
import { pushStandardFixtures, type Fixtures } from '../../test/registry/fixtures.js';
import { startRegistry, type TestRegistry } from '../../test/registry/registry.js';

interface Row {
  scenario: string;
  expected: string;
  registryRequests: string;
  tokenRequests: number | '';
}

function describeRequests(proxy: CountingProxy): string {
  const counts = new Map<string, number>();
  for (const r of proxy.requests) {
    const key = `${r.method} ${r.kind}${r.status === 401 ? ' (401)' : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].map(([k, n]) => `${n}× ${k}`).join(', ') || '0';
}

async function scenario(
  name: string,
  expected: string,
  proxy: CountingProxy,
  registry: TestRegistry,
  run: () => Promise<void>,
): Promise<Row> {
  proxy.reset();
  registry.token?.reset();
  await run();
  return { scenario: name, expected, registryRequests: describeRequests(proxy), tokenRequests: registry.token ? registry.token.requests.length : '' };
}

async function measure(auth: 'none' | 'token'): Promise<Row[]> {
  const registry = await startRegistry({ name: `bench-${auth}`, auth });
  const proxy = await startCountingProxy(registry.url);
  try {
    const fx: Fixtures = await pushStandardFixtures(registry, { bigManifest: false, refHost: proxy.host });
    const opts = { insecureRegistries: [proxy.host] };
    const rows: Row[] = [];
    rows.push(
      await scenario('cold index (manifest list, 4 platforms)', '1 GET', proxy, registry, async () => {
        await new RegistryClient(opts).resolve(fx.multi.ref);
      }),
    );
    rows.push(
      await scenario('cold single-arch image', '2 GET (manifest + config)', proxy, registry, async () => {
        await new RegistryClient(opts).resolve(fx.singleArm64.ref);
      }),
    );
    const warm = new RegistryClient({ ...opts, tagTtlMs: 0 });
    await warm.resolve(fx.buildx.ref);
    rows.push(
      await scenario('warm tag, TTL expired', '1 HEAD', proxy, registry, async () => {
        await warm.resolve(fx.buildx.ref);
      }),
    );
    const fresh = new RegistryClient(opts);
    await fresh.resolve(fx.buildx.ref);
    rows.push(
      await scenario('warm tag within TTL, and digest references', '0', proxy, registry, async () => {
        await fresh.resolve(fx.buildx.ref);
        await fresh.resolve(fx.buildx.digestRef);
      }),
    );
    rows.push(
      await scenario('200 concurrent lookups of one new image', '1 fetch', proxy, registry, async () => {
        const c = new RegistryClient(opts);
        await Promise.all(Array.from({ length: 200 }, () => c.resolve(fx.winMixed.ref)));
      }),
    );
    rows.push(
      await scenario('cold index with --verify-platforms (2 images + 2 attestations)', '1 GET index + 2 × (manifest + config)', proxy, registry, async () => {
        await new RegistryClient({ ...opts, verifyPlatforms: true }).resolve(fx.buildx.ref);
      }),
    );
    return rows.map((r) => ({ ...r, scenario: `${r.scenario} [${auth === 'none' ? 'anonymous registry' : 'bearer-token registry'}]` }));
  } finally {
    await proxy.stop();
    await registry.stop();
  }
}

const rows = [...(await measure('none')), ...(await measure('token'))];
const table = [
  '| scenario | expected | registry requests | token requests |',
  '| --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.scenario} | ${r.expected} | ${r.registryRequests} | ${r.tokenRequests} |`),
].join('\n');
const section = `\n## Registry request economy — ${new Date().toISOString().slice(0, 10)}\n\nCommand: \`npx tsx bench/registry/run.ts\` (real docker-registry ${'2.8'} on loopback behind a recording proxy; counts are exact, not timings). On a bearer-token registry the first request to a host is answered 401 with the challenge, which is then cached per host, and one token is fetched per repository scope.\n\n${table}\n`;
console.log(section);
if (process.argv.includes('--write')) appendFileSync(new URL('../../BENCHMARKS.md', import.meta.url), section);
process.exit(0);
