import fc from 'fast-check';
import fastJsonPatch from 'fast-json-patch';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { podProblem, workloadProblem } from '../admission/object-shape.js';
import { outcomeToReview } from '../admission/response.js';
import { BadAdmissionRequest, readAdmissionReview, type AdmissionReview } from '../admission/review.js';
import { MAX_WARNING_LENGTH } from '../admission/warnings.js';
import { admit, type Endpoint } from '../handlers/admit.js';
import type { AdmissionEnv } from '../handlers/admission-env.js';
import { templatePath } from '../handlers/objects.js';
import { Deadline } from '../images/deadline.js';
import { ImageLookup } from '../images/image-lookup.js';
import { applyMode } from '../policy/apply-mode.js';
import { MODES, SINGLE_ARCH_POLICIES, UNRESOLVED_POLICIES, type PolicySettings } from '../policy/settings.js';
import { malformed } from '../policy/verdict.js';
import { fakeCluster } from './fake-cluster.js';
import { FAKE_IMAGES, FakeResolver, MISSING_IMAGE, PRIVATE_IMAGE } from './fake-resolver.js';
import { loadFixture } from './fixtures.js';
import { ARM_TAINT, testSettings } from './run-admission.js';

/**
 * Review fuzzing (issue 12): arbitrary and mutated AdmissionReviews, garbage JSON types and extremes, fed to the
 * webhook's admission path. `npm run fuzz` runs 100,000 cases; `npm test` a few thousand.
 */

const FIXTURES = readdirSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures')).filter((f) => f.endsWith('.json'));
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'ReplicaSet', 'DaemonSet', 'Job', 'CronJob'];

const image = fc.oneof(
  { arbitrary: fc.constantFrom('registry.example.com/team/web:1.4.2', 'busybox:1.36'), weight: 6 },
  { arbitrary: fc.constantFrom(...Object.keys(FAKE_IMAGES), MISSING_IMAGE, PRIVATE_IMAGE, 'INVALID::ref', ''), weight: 2 },
);
const arch = fc.constantFrom('amd64', 'arm64', 's390x', '');

/** Any JSON value, shallow: wrong types for a field. */
const garbage: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(null)), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxKeys: 3 }),
);

/** Extremes: long strings, many entries, deep (but parseable) nesting, odd characters. */
const extreme: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: 1, max: 60 }).map((n) => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown),
  fc.constant('x'.repeat(10_000)),
  fc.constant('\u0000\u202e\ud83d\ude00\n\t"\\'),
  fc.constant(Array.from({ length: 500 }, (_, i) => ({ name: `c${i}`, image: 'busybox:1.36' }))),
  fc.constant(Number.MAX_SAFE_INTEGER),
  fc.constant(-0),
);

/** `value` in one case of `1 + absentWeight`, else absent. */
const sometimes = <T>(value: fc.Arbitrary<T>, absentWeight = 3): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: absentWeight }, { arbitrary: value, weight: 1 });

/** A plausible pod spec: the fields placement reads, mostly well typed. */
const podSpec = fc
  .record({
    containers: fc.array(image, { minLength: 1, maxLength: 3 }),
    init: fc.array(image, { maxLength: 1 }),
    nodeSelector: sometimes(fc.dictionary(fc.constantFrom('kubernetes.io/arch', 'pool', 'beta.kubernetes.io/arch'), arch, { maxKeys: 2 })),
    terms: sometimes(
      fc.array(
        fc.record({
          matchExpressions: fc.array(
            fc.record({ key: fc.constantFrom('kubernetes.io/arch', 'zone'), operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Bogus'), values: fc.array(arch, { maxLength: 2 }) }),
            { maxLength: 2 },
          ),
        }),
        { maxLength: 2 },
      ),
    ),
    tolerations: fc.array(fc.constantFrom({ key: 'kubernetes.io/arch', operator: 'Exists' }, { operator: 'Exists' }, { key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' }), { maxLength: 2 }),
    nodeName: sometimes(fc.constantFrom('amd', 'arm', 'gone'), 8),
    os: sometimes(fc.constantFrom('linux', 'windows', 'Linux'), 6),
    gates: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
  })
  .map((p) => ({
    containers: p.containers.map((img, i) => ({ name: `c${i}`, image: img })),
    ...(p.init.length > 0 && { initContainers: p.init.map((img, i) => ({ name: `i${i}`, image: img })) }),
    ...(p.nodeSelector && { nodeSelector: p.nodeSelector }),
    ...(p.terms && { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: p.terms } } } }),
    ...(p.tolerations.length > 0 && { tolerations: p.tolerations }),
    ...(p.nodeName && { nodeName: p.nodeName }),
    ...(p.os && { os: { name: p.os } }),
    ...(p.gates && { schedulingGates: [{ name: 'example.com/quota' }] }),
  }));

const metadata = fc.record({
  generateName: fc.constant('web-'),
  namespace: fc.oneof({ arbitrary: fc.constant('shop'), weight: 8 }, { arbitrary: fc.constantFrom('kube-system', 'team-warn'), weight: 2 }),
  annotations: sometimes(fc.dictionary(fc.constantFrom('archcheck.dev/skip', 'archcheck.dev/decision', 'archcheck.dev/archs', 'kubernetes.io/config.mirror'), fc.constantFrom('true', 'injected', 'amd64', 'amd64,arm64'))),
  ownerReferences: sometimes(fc.constantFrom([{ kind: 'DaemonSet', name: 'ds', controller: true }], [{ kind: 'Deployment', name: 'd' }], [{ kind: 'CronJob', name: 'c' }]), 6),
});

function wrap(kind: string, meta: Record<string, unknown>, spec: Record<string, unknown>): Record<string, unknown> {
  if (kind === 'Pod') return { apiVersion: 'v1', kind, metadata: meta, spec };
  const template = { metadata: { labels: { app: 'x' } }, spec };
  if (kind === 'CronJob') return { apiVersion: 'batch/v1', kind, metadata: meta, spec: { schedule: '* * * * *', jobTemplate: { spec: { template } } } };
  return { apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1', kind, metadata: meta, spec: { template } };
}

const groupOf = (kind: string): string => (kind === 'Pod' ? '' : kind === 'Job' || kind === 'CronJob' ? 'batch' : 'apps');

/** A review built from parts: a known or odd kind, any operation, a plausible object. */
const builtReview = fc
  .record({
    uid: fc.uuid(),
    kind: fc.oneof({ arbitrary: fc.constant('Pod'), weight: 6 }, { arbitrary: fc.constant('DaemonSet'), weight: 2 }, { arbitrary: fc.constantFrom(...WORKLOAD_KINDS, 'ConfigMap'), weight: 2 }),
    operation: fc.oneof({ arbitrary: fc.constant('CREATE'), weight: 6 }, { arbitrary: fc.constantFrom('UPDATE', 'DELETE', 'CONNECT', 'create'), weight: 2 }),
    subResource: sometimes(fc.constantFrom('ephemeralcontainers', 'ephemeralcontainers', 'status', 'binding'), 6),
    meta: metadata,
    spec: podSpec,
    old: sometimes(podSpec, 1),
    dryRun: fc.boolean(),
  })
  .map((r): AdmissionReview => {
    const object = wrap(r.kind, { ...r.meta }, r.spec);
    const oldObject = r.old ? wrap(r.kind, { ...r.meta }, r.old) : undefined;
    return {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: r.uid,
        kind: { group: groupOf(r.kind), version: 'v1', kind: r.kind },
        namespace: String(r.meta.namespace),
        operation: r.operation,
        ...(r.subResource && { subResource: r.subResource }),
        object,
        ...(oldObject && { oldObject }),
        dryRun: r.dryRun,
      },
    };
  });

/** Every path of a JSON value (objects and arrays), for mutating a random one. */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = [], depth = 0): (string | number)[][] {
  if (depth > 12 || typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value)) {
    const p = [...prefix, Array.isArray(value) ? Number(k) : k];
    out.push(p);
    paths(v, p, out, depth + 1);
  }
  return out;
}

function setAt(root: unknown, path: readonly (string | number)[], value: unknown, remove: boolean): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove) delete node[last];
  else node[last] = structuredClone(value);
}

/** A fixture or a built review with 1–3 fields replaced by garbage or extremes, or removed. */
const mutatedReview = fc
  .record({
    base: fc.oneof(fc.constantFrom(...FIXTURES).map((f) => loadFixture(f)), builtReview),
    edits: fc.array(fc.record({ pick: fc.nat(), value: fc.oneof({ arbitrary: garbage, weight: 4 }, { arbitrary: extreme, weight: 1 }), remove: fc.boolean() }), { minLength: 1, maxLength: 3 }),
  })
  .map(({ base, edits }) => {
    const review = structuredClone(base) as unknown as Record<string, unknown>;
    for (const e of edits) {
      const all = paths(review).filter((p) => !(p.length === 2 && p[0] === 'request' && p[1] === 'uid'));
      if (all.length === 0) break;
      setAt(review, all[e.pick % all.length]!, e.value, e.remove);
    }
    return review as unknown as AdmissionReview;
  });

/** Whole-review garbage: not even an envelope, or an envelope around anything. */
const garbageReview = fc.oneof(
  garbage,
  fc.record({ apiVersion: fc.constant('admission.k8s.io/v1'), request: fc.record({ uid: fc.oneof(fc.uuid(), garbage), kind: garbage, operation: garbage, object: fc.oneof(garbage, extreme) }) }),
);

export const anyReview: fc.Arbitrary<unknown> = fc.oneof({ arbitrary: builtReview, weight: 4 }, { arbitrary: mutatedReview, weight: 4 }, { arbitrary: garbageReview, weight: 1 });

export const anySettings: fc.Arbitrary<PolicySettings> = fc
  .record({
    mode: fc.oneof({ arbitrary: fc.constant('mutate' as const), weight: 4 }, { arbitrary: fc.constantFrom(...MODES), weight: 2 }),
    singleArch: fc.constantFrom(...SINGLE_ARCH_POLICIES),
    onUnresolved: fc.constantFrom(...UNRESOLVED_POLICIES),
    prefer: fc.constantFrom([], [{ arch: 'arm64', weight: 80 }]),
    overrides: fc.boolean(),
  })
  .map(({ overrides, prefer, ...s }) =>
    testSettings({ ...s, prefer: prefer.map((p) => ({ ...p })), imageOverrides: overrides ? [{ pattern: 'registry.example.com/team/legacy', archs: 'any' }] : [] }),
  );

export const anyEndpoint: fc.Arbitrary<Endpoint> = fc.constantFrom('mutate', 'validate');

const cluster = fakeCluster({
  nodes: { amd: 'amd64', arm: 'arm64' },
  poolTaints: [ARM_TAINT],
  archTaints: [ARM_TAINT],
  namespaces: { 'team-warn': { 'archcheck.dev/mode': 'warn' } },
});
const images = new ImageLookup(new FakeResolver());

/** What the route answers for a decoded body: a review, or the HTTP status of a refusal (no uid to echo). */
export async function answer(endpoint: Endpoint, body: unknown, settings: PolicySettings): Promise<{ review: AdmissionReview; object: unknown } | { status: number }> {
  let read;
  try {
    read = readAdmissionReview(body);
  } catch (e) {
    if (e instanceof BadAdmissionRequest) return { status: e.status };
    throw e;
  }
  if ('problem' in read) return { review: outcomeToReview({ uid: read.uid }, applyMode(malformed(read.problem), 'mutate')), object: undefined };
  const env: AdmissionEnv = { settings, cluster, images };
  const deadline = new Deadline(1_000);
  try {
    const outcome = await admit(endpoint, read.request, env, deadline);
    return { review: outcomeToReview(read.request, outcome), object: read.request.object };
  } finally {
    deadline.dispose();
  }
}

function uidOf(body: unknown): unknown {
  return (body as { request?: { uid?: unknown } } | null)?.request?.uid;
}

function shapeProblem(kind: unknown, object: unknown): string | undefined {
  if (kind === 'Pod') return podProblem(object);
  return typeof kind === 'string' && WORKLOAD_KINDS.includes(kind) ? workloadProblem(object, templatePath(kind)) : undefined;
}

/** The response is a v1 AdmissionReview echoing the uid, with clamped warnings and denials that say why. */
function checkResponse(review: AdmissionReview, uid: unknown): void {
  const response = review.response!;
  if (review.apiVersion !== 'admission.k8s.io/v1' || review.kind !== 'AdmissionReview') throw new Error('not an AdmissionReview v1');
  if (response.uid !== uid) throw new Error(`uid ${String(response.uid)} does not echo ${String(uid)}`);
  if (typeof response.allowed !== 'boolean') throw new Error('allowed is not a boolean');
  for (const w of response.warnings ?? []) if (w.length > MAX_WARNING_LENGTH) throw new Error(`warning longer than ${MAX_WARNING_LENGTH}: ${w}`);
  if (!response.allowed && (response.patch || !response.status?.message)) throw new Error('a denial must carry a message and no patch');
  if (response.patch && response.patchType !== 'JSONPatch') throw new Error('patch without patchType JSONPatch');
}

/** The patch applies to the object and leaves one of the same well-formed shape. */
function patchedObject(body: unknown, object: unknown, base64: string): unknown {
  const patch = JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as fastJsonPatch.Operation[];
  const patched = fastJsonPatch.applyPatch(structuredClone(object), patch, true, false).newDocument;
  const problem = shapeProblem((body as { request: { kind: { kind: unknown } } }).request.kind.kind, patched);
  if (problem) throw new Error(`patched object is not well-formed: ${problem}`);
  return patched;
}

/** What must hold for every body: throws with what did not. */
export async function checkReview(endpoint: Endpoint, generated: unknown, settings: PolicySettings): Promise<void> {
  // As it arrives over the wire: JSON has no undefined, NaN or -0.
  const body = JSON.parse(JSON.stringify(generated) ?? 'null') as unknown;
  const uid = uidOf(body);
  const first = await answer(endpoint, body, settings);
  if ('status' in first) {
    const answerable = typeof uid === 'string' && uid !== '' && (body as { apiVersion?: unknown }).apiVersion === 'admission.k8s.io/v1';
    if (answerable) throw new Error(`refused (${first.status}) a v1 review with uid ${uid}`);
    return;
  }
  checkResponse(first.review, uid);
  const base64 = first.review.response!.patch;
  if (!base64) return;
  const patched = patchedObject(body, first.object, base64);
  const again = await answer(endpoint, { ...(body as object), request: { ...(body as { request: object }).request, object: patched } }, settings);
  if ('status' in again || again.review.response!.patch) throw new Error(`admitting the patched object again changes it: ${JSON.stringify(again)}`);
}
