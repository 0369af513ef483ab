import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionReview } from './admission/review.js';
import { createLogger } from './logger.js';
import { fakeCluster } from './testing/fake-cluster.js';
import { MISSING_IMAGE, STALE_IMAGE, STALE_SINCE } from './testing/fake-resolver.js';
import { loadFixture } from './testing/fixtures.js';
import { startTestServer, type TestServer } from './testing/test-server.js';

/** The webhook's real logger (pino, JSON lines) into memory. */
function memoryLog(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done): void {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

function withImage(fixture: string, image: string): AdmissionReview {
  const r = loadFixture(fixture);
  (r.request!.object as { spec: { containers: { image: string }[] } }).spec.containers[0]!.image = image;
  return r;
}

function inNamespace(fixture: string, namespace: string): AdmissionReview {
  const r = loadFixture(fixture);
  r.request!.namespace = namespace;
  return r;
}

describe('decision log: one JSON line per admission', () => {
  let server: TestServer;
  const log = memoryLog();
  beforeAll(async () => {
    server = await startTestServer({
      cluster: fakeCluster({ nodes: { amd: 'amd64', arm: 'arm64' }, namespaces: { 'team-warn': { 'archcheck.dev/mode': 'warn' } } }),
      logger: createLogger('debug', log.stream),
    });
  });
  afterAll(async () => server.close());

  async function admitted(path: string, review: AdmissionReview): Promise<Record<string, unknown>> {
    expect((await server.post(path, review)).status).toBe(200);
    const line = log.lines.filter((l) => l.msg === 'admission' && l.uid === review.request!.uid).at(-1);
    expect(line, 'a log line for the review').toBeDefined();
    return line!;
  }

  it('writes string levels and ISO timestamps, and the version and settings at start-up', () => {
    const start = log.lines.find((l) => l.msg === 'archcheck webhook listening')!;
    expect(start).toMatchObject({ level: 'info', version: expect.stringMatching(/^\d+\.\d+\.\d+/), config: { mode: 'mutate', onUnresolved: 'allow', singleArch: 'allow' } });
    expect(start.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('injected: pod by generateName, owner, user, each image with its platforms', async () => {
    const line = await admitted('/mutate', loadFixture('pod-create-deployment.json'));
    expect(line).toMatchObject({
      level: 'info',
      endpoint: 'mutate',
      operation: 'CREATE',
      kind: 'Pod',
      namespace: 'shop',
      generateName: 'web-7c9d8f6b5d-',
      owner: { kind: 'ReplicaSet', name: 'web-7c9d8f6b5d' },
      user: 'system:serviceaccount:kube-system:replicaset-controller',
      decision: 'injected',
      reason: 'none',
      mode: 'mutate',
      allowed: true,
      images: expect.arrayContaining([
        { container: 'web', image: 'registry.example.com/team/web:1.4.2', platforms: ['linux/amd64', 'linux/arm64'] },
        expect.objectContaining({ image: 'registry.example.com/team/legacy:2.0', platforms: ['linux/amd64'] }),
      ]),
    });
    expect(line.name).toBeUndefined();
    expect(line.durationMs).toEqual(expect.any(Number));
  });

  it('denied: the pod name, the requesting user and the reason', async () => {
    const line = await admitted('/mutate', loadFixture('pod-create-arch-conflict.json'));
    expect(line).toMatchObject({ name: 'pinned', user: 'alice@example.com', decision: 'denied', reason: 'arch-conflict', mode: 'mutate', allowed: false });
  });

  it('unresolved: the image with its error code and message', async () => {
    const line = await admitted('/mutate', withImage('pod-create-deployment.json', MISSING_IMAGE));
    expect(line).toMatchObject({ decision: 'unresolved', reason: 'none', allowed: true });
    expect((line.images as { container: string }[]).find((i) => i.container === 'web')).toEqual({ container: 'web', image: MISSING_IMAGE, error: { code: 'NOT_FOUND', message: expect.stringContaining('manifest unknown') } });
  });

  it('stale-if-error: the image with its last known platforms, since when and why', async () => {
    const line = await admitted('/mutate', withImage('pod-create-deployment.json', STALE_IMAGE));
    expect(line).toMatchObject({ decision: 'injected', allowed: true });
    expect((line.images as { container: string }[]).find((i) => i.container === 'web')).toEqual({
      container: 'web',
      image: STALE_IMAGE,
      platforms: ['linux/amd64', 'linux/arm64'],
      stale: { since: STALE_SINCE, code: 'UNREACHABLE' },
    });
  });

  it('skipped: the skip reason', async () => {
    const line = await admitted('/mutate', loadFixture('pod-create-mirror.json'));
    expect(line).toMatchObject({ decision: 'skipped', reason: 'has-node-name', mode: 'mutate', name: 'haproxy-node-1', user: 'system:node:node-1' });
  });

  it('warn mode: the mode of the namespace, the decision it would have made', async () => {
    const line = await admitted('/mutate', inNamespace('pod-create-arch-conflict.json', 'team-warn'));
    expect(line).toMatchObject({ decision: 'denied', reason: 'arch-conflict', mode: 'warn', outcome: 'warn:denied:arch-conflict', allowed: true });
  });

  it('ignored: at debug level only', async () => {
    const line = await admitted('/mutate', loadFixture('pod-update-labels.json'));
    expect(line).toMatchObject({ level: 'debug', decision: 'ignored', operation: 'UPDATE' });
  });
});
