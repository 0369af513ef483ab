/**
 * Serving-certificate rotation under steady load, on the real kube-apiserver (issue 12 item 7). The webhook runs
 * with `--cert-mode file` (cert-manager or a mounted Secret: the files are replaced, the webhook re-reads them every
 * 10 s and swaps the certificate for new connections, no restart) and the chart's `admission.failurePolicy: Fail`,
 * so any admission the API server could not complete (handshake refused, certificate not trusted) would be a pod
 * create refused. Two rotations while pods are created at a steady rate: a new certificate from the same CA, then a
 * certificate from a new CA after the CA bundle in the webhook configurations trusts both (the order cert-manager's
 * CA injector and a `helm upgrade` of `certs.existingSecret.caBundle` follow). The webhook closes connections made
 * with an old certificate after their next response (decision 0039), so the API server really handshakes with the
 * new one during the load: with the bundle left stale, this test sees creates refused (40 of 414 in one run).
 *
 * Then `--cert-mode self` (the chart's default), the webhook keeping its own Secret and caBundle: the Secret is
 * edited as time would (serving certificate a day from expiry; next CA introduced; the hour of overlap over) and the
 * webhook, re-checking every second here (30 s in production), renews, publishes the bundle and serves in its own
 * order while pods keep coming. Self certificates name the Service; the API server here calls the local webhook, so
 * the Service name is `localhost` (`--service-name localhost`, `dev.externalURL=https://localhost:PORT`).
 */
import { writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, createServingCertificate, type KeyPairPem } from '../../webhook/tls/certificates.js';
import { waitFor, type TestCluster } from '../cluster/cluster.js';
import { startRegistry, type TestRegistry } from '../registry/registry.js';
import { gatePod, namespaceWithSA, pushGateImages, type GateImage } from './gate-scenario.js';
import { installArchcheck, kubectlJson, startClusterSerialized, type Any, type Archcheck } from './harness.js';

/** Pods per second sent to the API server, and the most the load may send (it stops once both rotations are served). */
const RATE = Number(process.env.ARCHCHECK_ROTATION_RATE ?? 20);
const MAX_LOAD_MS = 60_000;
const TEST_MS = 240_000;
const NS = 'rotation';

let cluster: TestCluster;
let registry: TestRegistry;
let archcheck: Archcheck;
let core: CoreV1Api;
const started = Date.now();

beforeAll(async () => {
  [cluster, registry] = await Promise.all([startClusterSerialized({ name: 'e2e-rotation' }), startRegistry({ name: 'e2e-rotation' })]);
  core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  archcheck = await installArchcheck(cluster, { values: { admission: { failurePolicy: 'Fail' }, config: { insecureRegistries: [registry.host] } } });
  await archcheck.startInProcess(['--log-level', 'warn']);
  console.log(`[e2e-rotation] ready after ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 1_800_000);

afterAll(async () => {
  await archcheck?.stop();
  await Promise.all([cluster?.stop(), registry?.stop()]);
  console.log(`[e2e-rotation] file took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 180_000);

/** The certificate a TLS client is served on the webhook's port (trusting `caPem`, so an untrusted one throws). */
function servedCertificate(caPem: string): Promise<{ serial: string; notAfter: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: archcheck.port, servername: 'localhost', ca: caPem }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve({ serial: cert.serialNumber.toUpperCase(), notAfter: cert.valid_to });
    });
    socket.once('error', reject);
  });
}

const serialOf = (pem: string): string => new X509Certificate(pem).serialNumber.toUpperCase();
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Replaces the key, then the certificate (a half-written pair is skipped by the webhook until the next check). */
function replaceServingFiles(serving: KeyPairPem): void {
  writeFileSync(archcheck.certFiles.keyFile, serving.keyPem, { mode: 0o600 });
  writeFileSync(archcheck.certFiles.certFile, serving.certPem);
}

interface LoadResult {
  sent: number;
  failures: string[];
  /** Pods the API server created without an archcheck decision (the webhook was skipped). */
  undecided: string[];
}

/** Creates pods at `RATE`/s until `until` resolves (or MAX_LOAD_MS); each create is checked as it returns. */
async function steadyLoad(namespace: string, image: GateImage, until: Promise<unknown>): Promise<LoadResult> {
  const result: LoadResult = { sent: 0, failures: [], undecided: [] };
  let done = false;
  void until.finally(() => (done = true));
  const inFlight = new Set<Promise<void>>();
  const deadline = Date.now() + MAX_LOAD_MS;
  const t0 = Date.now();
  while (!done && Date.now() < deadline) {
    const pod: V1Pod = gatePod(namespace, `r${String(result.sent).padStart(4, '0')}`, image);
    result.sent++;
    const p = core
      .createNamespacedPod({ namespace, body: pod })
      .then((created) => {
        if (!created.metadata?.annotations?.['archcheck.dev/decision']) result.undecided.push(pod.metadata!.name!);
      })
      .catch((e: unknown) => void result.failures.push(`${pod.metadata!.name}: ${(e as { body?: string }).body ?? String(e)}`))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    const nextAt = t0 + (result.sent * 1000) / RATE;
    await new Promise((r) => setTimeout(r, Math.max(0, nextAt - Date.now())));
  }
  await Promise.all(inFlight);
  return result;
}

async function expectAllDecided(namespace: string, load: LoadResult): Promise<void> {
  expect(load.failures).toEqual([]);
  expect(load.undecided).toEqual([]);
  expect(load.sent).toBeGreaterThanOrEqual(RATE * 5); // the rotations happened under load, not after it
  const decisions = (await core.listNamespacedPod({ namespace })).items.map((p) => p.metadata?.annotations?.['archcheck.dev/decision']);
  expect(decisions).toHaveLength(load.sent);
  expect(new Set(decisions)).toEqual(new Set(['injected']));
}

async function caBundles(): Promise<string[]> {
  const mwc = await kubectlJson(cluster, ['get', 'mutatingwebhookconfiguration', archcheck.fullname]);
  return (mwc.webhooks as { clientConfig: { caBundle: string } }[]).map((w) => Buffer.from(w.clientConfig.caBundle, 'base64').toString('utf8'));
}

describe('serving certificate rotated under steady load (failurePolicy Fail)', () => {
  it('no pod create is refused or left undecided; the new certificate (and then the new CA) is what clients see', async () => {
    await namespaceWithSA(cluster, core, NS);
    const image = (await pushGateImages(registry, registry.host, NS, 1))[0]!;
    const first = await servedCertificate(archcheck.caPem);
    const sameCa = createServingCertificate(archcheck.ca, ['localhost'], 1, { ipAddresses: ['127.0.0.1'] });
    const newCa = createCertificateAuthority('archcheck-test-ca-2', 2);
    const fromNewCa = createServingCertificate(newCa, ['localhost'], 1, { ipAddresses: ['127.0.0.1'] });
    const bothCas = archcheck.caPem + newCa.certPem;
    const timeline: string[] = [];
    const loadStart = Date.now();
    const mark = (what: string): void => void timeline.push(`${((Date.now() - loadStart) / 1000).toFixed(1)} s ${what}`);

    const rotations = (async () => {
      await new Promise((r) => setTimeout(r, 2_000));
      replaceServingFiles(sameCa);
      mark('same-CA certificate written');
      await waitFor(async () => (await servedCertificate(archcheck.caPem)).serial === serialOf(sameCa.certPem), 30_000, { message: 'the same-CA certificate served', intervalMs: 200 });
      mark('same-CA certificate served');
      // A new CA: the bundle first (old + new), then the certificate.
      await archcheck.upgrade([`dev.caBundle=${Buffer.from(bothCas).toString('base64')}`]);
      mark('caBundle old+new published (helm upgrade)');
      replaceServingFiles(fromNewCa);
      mark('new-CA certificate written');
      await waitFor(async () => (await servedCertificate(newCa.certPem)).serial === serialOf(fromNewCa.certPem), 30_000, { message: 'the new-CA certificate served', intervalMs: 200 });
      mark('new-CA certificate served');
      await new Promise((r) => setTimeout(r, 2_000)); // a little load on the new certificate alone
    })();
    const [load] = await Promise.all([steadyLoad(NS, image, rotations), rotations]);
    const loadSeconds = (Date.now() - loadStart) / 1000;

    console.log(`[e2e-rotation] ${load.sent} pods in ${loadSeconds.toFixed(1)} s (${(load.sent / loadSeconds).toFixed(1)}/s); ${timeline.join('; ')}`);
    await expectAllDecided(NS, load);
    const served = await servedCertificate(newCa.certPem);
    expect(served.serial).not.toBe(first.serial);
    expect(served).toEqual({ serial: serialOf(fromNewCa.certPem), notAfter: new X509Certificate(fromNewCa.certPem).validTo });
    await expect(servedCertificate(createCertificateAuthority('unrelated', 1).certPem)).rejects.toThrow(); // really verified
    for (const bundle of await caBundles()) expect(bundle).toContain(newCa.certPem.trim());
  }, TEST_MS);
});

/** The `--cert-mode self` Secret (chart: `<fullname>-tls`), as the webhook keeps it. */
const SELF_SECRET = () => `${archcheck.fullname}-tls`;
const pemOf = (secret: Any, key: string): string => Buffer.from(secret.data[key] as string, 'base64').toString('utf8');

/** Edits the Secret as time would: `edit` gets and changes its data/annotations (base64 values). */
async function editSelfSecret(edit: (secret: Any) => void): Promise<void> {
  const secret = await core.readNamespacedSecret({ name: SELF_SECRET(), namespace: archcheck.namespace });
  edit(secret);
  await core.replaceNamespacedSecret({ name: SELF_SECRET(), namespace: archcheck.namespace, body: secret });
}

describe('--cert-mode self under steady load: renewal, then a CA rotation (failurePolicy Fail)', () => {
  // Self certificates name the Service; here the API server calls the local webhook, so the "Service" is localhost.
  const SELF_FLAGS = ['--log-level', 'warn', '--cert-mode', 'self', '--service-name', 'localhost', '--namespace', 'archcheck'];

  it('the webhook renews, publishes the caBundle before serving, and no create is refused', async () => {
    const ns = 'rotation-self';
    await namespaceWithSA(cluster, core, ns);
    const image = (await pushGateImages(registry, registry.host, ns, 1))[0]!;
    await archcheck.stopWebhook();
    await archcheck.upgrade([`dev.externalURL=https://localhost:${archcheck.port}`]);
    await archcheck.startInProcess(SELF_FLAGS, { certCheckMs: 1_000 }); // ready = Secret written and caBundle published
    const initial = await core.readNamespacedSecret({ name: SELF_SECRET(), namespace: archcheck.namespace });
    const firstCa = pemOf(initial, 'signer.crt');
    await waitFor(() => core.createNamespacedPod({ namespace: ns, body: gatePod(ns, 'warm-up', image), dryRun: 'All' }).then(() => true, () => false), 30_000, { message: 'the API server trusts the self-issued certificate' });

    const newCa = createCertificateAuthority('archcheck-webhook-ca', 365);
    const timeline: string[] = [];
    const loadStart = Date.now();
    const mark = (what: string): void => void timeline.push(`${((Date.now() - loadStart) / 1000).toFixed(1)} s ${what}`);
    const served = () => servedCertificate(pemOf(initial, 'ca.crt') + newCa.certPem);
    const rotations = (async () => {
      await new Promise((r) => setTimeout(r, 2_000));
      // Sixty days on: the serving certificate has a day left. The webhook reissues it from the same CA.
      const short = createServingCertificate({ certPem: firstCa, keyPem: pemOf(initial, 'signer.key') }, ['localhost', 'localhost.archcheck', 'localhost.archcheck.svc', 'localhost.archcheck.svc.cluster.local'], 1);
      await editSelfSecret((s) => Object.assign(s.data, { 'tls.crt': b64(short.certPem), 'tls.key': b64(short.keyPem) }));
      mark('serving certificate near expiry');
      await waitFor(async () => ![serialOf(short.certPem), serialOf(pemOf(initial, 'tls.crt'))].includes((await served()).serial), 30_000, { message: 'a renewed certificate served', intervalMs: 200 });
      mark('renewed certificate served');
      // Ninety days before the CA expires the webhook introduces the next CA (written here as it would); the
      // webhook publishes the bundle with both; an hour later (the `since` moved back) it signs with the new CA.
      await editSelfSecret((s) => {
        Object.assign(s.data, { 'next.crt': b64(newCa.certPem), 'next.key': b64(newCa.keyPem), 'ca.crt': b64(firstCa + newCa.certPem) });
        s.metadata.annotations = { ...s.metadata.annotations, 'archcheck.dev/next-ca-since': new Date().toISOString() };
      });
      mark('next CA introduced');
      await waitFor(async () => (await caBundles()).every((b) => b.includes(newCa.certPem.trim())), 30_000, { message: 'the webhook published the next CA', intervalMs: 200 });
      mark('bundle with both CAs published by the webhook');
      await new Promise((r) => setTimeout(r, 2_000)); // the API server's informer sees the new bundle
      await editSelfSecret((s) => void (s.metadata.annotations['archcheck.dev/next-ca-since'] = new Date(Date.now() - 2 * 3_600_000).toISOString()));
      mark('overlap over');
      await waitFor(async () => (await servedCertificate(newCa.certPem).catch(() => undefined)) !== undefined, 30_000, { message: 'a certificate from the new CA served', intervalMs: 200 });
      mark('new-CA certificate served');
      await new Promise((r) => setTimeout(r, 2_000));
    })();
    const [load] = await Promise.all([steadyLoad(ns, image, rotations), rotations]);
    console.log(`[e2e-rotation] self: ${load.sent} pods in ${((Date.now() - loadStart) / 1000).toFixed(1)} s; ${timeline.join('; ')}`);
    await expectAllDecided(ns, load);
    const secret = await core.readNamespacedSecret({ name: SELF_SECRET(), namespace: archcheck.namespace });
    expect(pemOf(secret, 'signer.crt').trim()).toBe(newCa.certPem.trim());
    expect((await servedCertificate(newCa.certPem)).serial).toBe(serialOf(pemOf(secret, 'tls.crt')));
    for (const bundle of await caBundles()) expect(bundle).toContain(newCa.certPem.trim()); // old CA kept until it expires
  }, TEST_MS);
});
