/**
 * Registry-response fuzzing (issue 12 item 7): every lookup against a registry answering with arbitrary or mutated
 * manifests, indexes, configs, headers, status codes, truncated, oversized, dropped or never-sent bodies returns a
 * typed answer or a typed error code — it never throws, never outlives its deadline, and never yields an
 * architecture outside the normalized set.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../errors.js';
import type { ImageInfo } from '../image-info.js';
import { isUnknownPlatform, normalizePlatform, platformString } from '../platform.js';
import { RegistryClient } from './client.js';
import { startFuzzRegistry, type FuzzRegistry } from './testing/fuzz-registry.js';
import { anyCase, buildWorld, type FuzzCase } from './testing/response-fuzz.js';

/** `npm run fuzz` sets ARCHCHECK_REGISTRY_FUZZ_RUNS=10000; the normal test run does a few hundred. */
const RUNS = Number(process.env.ARCHCHECK_REGISTRY_FUZZ_RUNS ?? 200);
const LONG = 60 * 60 * 1000;
/** Budget per lookup and per request: small, so hung answers cost little, yet long enough for a nested index on a busy machine. */
const RESOLVE_MS = 500;
const REQUEST_MS = 200;
/** Cases run side by side, each against its own loopback registry: most of a case is waiting for a timeout or a backoff. */
const PARALLEL = 8;
/** A lookup still running this long after its budget has hung. A liveness bound, not a speed measurement. */
const HUNG_AFTER_MS = RESOLVE_MS + 4_000;

const ERROR_CODES: readonly ErrorCode[] = ['NOT_FOUND', 'UNAUTHORIZED', 'DENIED', 'NOT_AN_IMAGE', 'UNSUPPORTED_SCHEMA1', 'RATE_LIMITED', 'TIMEOUT', 'UNREACHABLE', 'BAD_RESPONSE', 'FORBIDDEN_ADDRESS', 'LIMIT_EXCEEDED'];
/** Spellings normalization replaces; none may ever come out of a lookup. */
const ALIASES = ['aarch64', 'x86_64', 'x86-64', 'armhf', 'armel', 'i386'];

let registries: FuzzRegistry[] = [];
beforeAll(async () => {
  registries = await Promise.all(Array.from({ length: PARALLEL }, () => startFuzzRegistry()));
});
afterAll(async () => Promise.all(registries.map((r) => r.close())));

async function lookup(c: FuzzCase, registry: FuzzRegistry = registries[0]!): Promise<ImageInfo | 'hung'> {
  registry.use(c);
  const client = new RegistryClient({ insecureRegistries: [registry.host], resolveTimeoutMs: RESOLVE_MS, requestTimeoutMs: REQUEST_MS, verifyPlatforms: c.verifyPlatforms });
  let timer: NodeJS.Timeout | undefined;
  try {
    const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), HUNG_AFTER_MS)));
    return await Promise.race([client.resolve(`${registry.host}/app:1`), hung]);
  } finally {
    clearTimeout(timer);
    registry.endCase();
    await client.close();
  }
}

/** Answers by outcome (`resolved` or the error code), printed at the end: the mix shows what the run exercised. */
const outcomes = new Map<string, number>();

/** The property every answer must have, whatever the registry did. */
function checkAnswer(info: ImageInfo | 'hung'): void {
  expect(info, 'the lookup outlived its deadline').not.toBe('hung');
  const answer = info as ImageInfo;
  const outcome = answer.error?.code ?? 'resolved';
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  if (answer.error) {
    expect(ERROR_CODES).toContain(answer.error.code);
    expect(answer.error.message).toEqual(expect.any(String));
    expect(answer.error.message.length).toBeGreaterThan(0);
    expect(answer.platforms).toEqual([]);
    return;
  }
  expect(answer.platforms.length).toBeGreaterThan(0);
  for (const p of answer.platforms) {
    expect(normalizePlatform(p), 'platforms come out normalized').toEqual(p);
    expect(isUnknownPlatform(p)).toBe(false);
    expect(p.os).toMatch(/^[a-z0-9][a-z0-9_]*$/);
    expect(p.architecture).toMatch(/^[a-z0-9][a-z0-9_]*$/);
    if (p.variant !== undefined) expect(p.variant).toMatch(/^[a-z0-9][a-z0-9._-]*$/);
    expect(ALIASES).not.toContain(p.architecture);
  }
  // One string per platform; Windows builds (os.version) of one platform share it.
  expect(new Set(answer.platformStrings)).toEqual(new Set(answer.platforms.map(platformString)));
}

describe(`registry-response fuzzing (${RUNS} cases)`, () => {
  it(
    'every lookup returns a typed answer or a typed error code, within its deadline, with normalized platforms only',
    async () => {
      // A case's realm and Location headers name its own registry's port: the same index in the batch.
      const batch = fc.tuple(...registries.map((r) => anyCase(() => r.port)));
      await fc.assert(
        fc.asyncProperty(batch, async (cases) => {
          const answers = await Promise.all(cases.map((c, i) => lookup(c, registries[i])));
          answers.forEach(checkAnswer);
        }),
        { numRuns: Math.ceil(RUNS / PARALLEL) },
      );
      console.log(`registry-response fuzzing: ${JSON.stringify(Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])))}`);
      // Not only failures: a fuzz whose every lookup fails would never check the platforms that come out.
      expect(outcomes.get('resolved') ?? 0).toBeGreaterThan(0);
    },
    LONG,
  );

  it('an unmutated world resolves (the fuzz server is a working registry, so mutations are what fails lookups)', async () => {
    const info = await lookup({ mutations: {}, challenge: true, verifyPlatforms: true, world: buildWorld({ kind: 'index', docker: false, entries: [{ node: { kind: 'image', docker: false, platform: { os: 'linux', architecture: 'aarch64', variant: 'v8' } }, label: 'none', attestation: true }] }) });
    expect(info).toMatchObject({ error: null, platformStrings: ['linux/arm64'] });
  });
});
