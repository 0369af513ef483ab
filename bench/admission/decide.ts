/**
 * Micro benchmark of the admission DECISION alone (not a timed test): `admit` + `outcomeToReview` +
 * `JSON.stringify`, in-process, no HTTP, no log line, no metrics. The same three bodies as bench/admission/run.ts
 * (a Deployment's pod with 3 images, a pod with its own affinity, a DaemonSet), a real RegistryClient
 * (openRegistryClient) against a real docker-registry on loopback, warmed first. Prints the CPU (user + system,
 * process.cpuUsage) per decision: the median of several passes of N decisions each. Also prints a digest of the
 * three answers, so a change that is meant to keep the behaviour identical can be checked to give the same bytes.
 *
 * With --pull-secrets every pod (and the DaemonSet's template) names a pull secret holding a credential for the
 * registry, as pods pulling from a private registry do (the registry itself does not ask for it).
 *
 *   npx tsx bench/admission/decide.ts [--iterations 20000] [--passes 5] [--quick] [--pull-secrets]
 */
import { createHash } from 'node:crypto';
import { parseDockerConfig, type KeyedCredential } from '../../core/credentials.js';
import { openRegistryClient } from '../../core/registry/open-client.js';
import { pushStandardFixtures } from '../../test/registry/fixtures.js';
import { startRegistry } from '../../test/registry/registry.js';
import { outcomeToReview } from '../../webhook/admission/response.js';
import { parseAdmissionReview, type AdmissionRequest } from '../../webhook/admission/review.js';
import { defaultConfig, type WebhookConfig } from '../../webhook/config.js';
import { admit } from '../../webhook/handlers/admit.js';
import type { AdmissionEnv } from '../../webhook/handlers/admission-env.js';
import { admissionDeadlineMs, Deadline } from '../../webhook/images/deadline.js';
import { ImageLookup } from '../../webhook/images/image-lookup.js';
import { policySettings } from '../../webhook/policy/settings.js';
import { fakeCluster } from '../../webhook/testing/fake-cluster.js';
import { loadAverage, machine, numberFlag } from '../harness.js';
import { bodies } from './bodies.js';

// Production runs compiled JS without source maps; tsx turns them on, which makes every Error's stack costly.
process.setSourceMapsEnabled(false);

const QUICK = process.argv.includes('--quick');
const ITERATIONS = numberFlag('iterations', QUICK ? 3_000 : 20_000);
const PASSES = numberFlag('passes', QUICK ? 3 : 5);
const RESOLVE_TIMEOUT_MS = 3_000;
const PULL_SECRETS = process.argv.includes('--pull-secrets');

interface ReviewShape {
  request: { namespace: string; object: { kind: string; spec: { imagePullSecrets?: unknown; template?: { spec: { imagePullSecrets?: unknown } } } } };
}

/** The review with `imagePullSecrets: [regcred]` on its pod spec (a pod's own, a DaemonSet's template). */
function withPullSecret(body: string): string {
  const review = JSON.parse(body) as ReviewShape;
  const { object } = review.request;
  const spec = object.kind === 'Pod' ? object.spec : object.spec.template!.spec;
  spec.imagePullSecrets = [{ name: 'regcred' }];
  return JSON.stringify(review);
}

/** `namespace/regcred` for every review's namespace: a basic credential for the registry's host. */
function pullSecrets(texts: string[], host: string): Record<string, KeyedCredential[]> {
  const namespaces = new Set(texts.map((t) => (JSON.parse(t) as ReviewShape).request.namespace));
  const config = JSON.stringify({ auths: { [host]: { username: 'bench', password: 'not-asked-for' } } });
  return Object.fromEntries([...namespaces].map((ns) => [`${ns}/regcred`, parseDockerConfig(config, `pull secret ${ns}/regcred`)]));
}

/** One decision as the route makes it: deadline from `?timeout=10s`, admit, the review, its bytes. */
async function decide(request: AdmissionRequest, env: AdmissionEnv): Promise<string> {
  const deadline = new Deadline(admissionDeadlineMs(RESOLVE_TIMEOUT_MS, '10s'));
  try {
    return JSON.stringify(outcomeToReview(request, await admit('mutate', request, env, deadline)));
  } finally {
    deadline.dispose();
  }
}

/** µs of CPU per decision over one pass of `n` decisions, cycling through the requests. */
async function pass(requests: AdmissionRequest[], env: AdmissionEnv, n: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await decide(requests[i % requests.length]!, env);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const registry = await startRegistry({ name: 'bench-decide' });
  try {
    const fx = await pushStandardFixtures(registry, { bigManifest: false });
    const config: WebhookConfig = { ...defaultConfig, insecureRegistries: [registry.host], resolveTimeout: RESOLVE_TIMEOUT_MS };
    const opened = await openRegistryClient(config, { resolveTimeoutMs: RESOLVE_TIMEOUT_MS, requestTimeoutMs: RESOLVE_TIMEOUT_MS });
    const texts = bodies({ multi: fx.multi.ref, amd64: fx.singleAmd64.ref, arm64: fx.singleArm64.ref }).map((b) => (PULL_SECRETS ? withPullSecret(b) : b));
    const cluster = fakeCluster({ nodes: { amd: 'amd64', arm: 'arm64' }, ...(PULL_SECRETS && { secrets: pullSecrets(texts, registry.host) }) });
    const env: AdmissionEnv = { settings: policySettings(config, 'archcheck'), cluster, images: new ImageLookup(opened.client) };
    const requests = texts.map((b) => parseAdmissionReview(JSON.parse(b)));
    // Warm: every image resolved once (the registry is not contacted again within the tag TTL), the JIT warmed up.
    const answers = await Promise.all(requests.map((r) => decide(r, env)));
    for (const a of answers) if (!a.includes('"decision":"injected"')) throw new Error(`warm-up answer not placed: ${a}`);
    await pass(requests, env, ITERATIONS);
    const perPass: number[] = [];
    for (let p = 0; p < PASSES; p++) perPass.push(await pass(requests, env, ITERATIONS));
    const sorted = [...perPass].sort((a, b) => a - b);
    const digest = createHash('sha256').update(answers.join('\n')).digest('hex').slice(0, 16);
    process.stdout.write(
      [
        `Command: \`npx tsx bench/admission/decide.ts --iterations ${ITERATIONS} --passes ${PASSES}${PULL_SECRETS ? ' --pull-secrets' : ''}\``,
        `Machine: ${machine()}; load average ${loadBefore} before, ${loadAverage()} after.`,
        `Decision CPU per admission (admit + outcomeToReview + JSON.stringify, warm real RegistryClient), median of ${PASSES} passes of ${ITERATIONS}: **${sorted[Math.floor(PASSES / 2)]!.toFixed(1)} µs**, fastest pass ${sorted[0]!.toFixed(1)} µs (passes: ${perPass.map((v) => v.toFixed(1)).join(', ')}; other work on a shared machine only adds).`,
        `Answers digest (sha256 of the three reviews, first 16 hex): ${digest}`,
        '',
      ].join('\n'),
    );
    await opened.client.close();
  } finally {
    await registry.stop();
  }
}

await main();
