/** Work caps against a loopback HTTP registry that counts what it is asked (counts, never timings). */
import { expect, it } from 'vitest';
import { RegistryClient } from './client.js';
import { MediaTypes } from './media-types.js';
import { armConfig, armManifest, loopbackServers, sha256 } from './testing/loopback-registry.js';

const listen = loopbackServers();
const sha = sha256;
const config = armConfig;
const image = armManifest;

/** Serves `index` at tag 1, the arm64 image and its config by digest; returns the host and the request log. */
async function serve(index: Buffer): Promise<{ host: string; paths: string[] }> {
  const paths: string[] = [];
  const blobs = new Map([[sha(image), image], [sha(config), config]]);
  const port = await listen((req, res) => {
    paths.push(req.url ?? '');
    if (req.url === '/v2/') return res.writeHead(200).end();
    if (req.url?.endsWith('/manifests/1')) return res.writeHead(200, { 'content-type': MediaTypes.ociIndex }).end(index);
    const body = blobs.get(req.url?.split('/').pop() ?? '');
    if (body) return res.writeHead(200, { 'content-type': body === image ? MediaTypes.ociManifest : 'application/octet-stream' }).end(body);
    return res.writeHead(404).end();
  });
  return { host: `127.0.0.1:${port}`, paths };
}

const entry = (extra: object = {}): object => ({ mediaType: MediaTypes.ociManifest, digest: sha(image), size: image.length, ...extra });
const indexOf = (entries: object[]): Buffer => Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: entries }));

it('leaves an index of 3,000 entries unresolved naming the cap, with one manifest request, and none on the next lookup', async () => {
  const { host, paths } = await serve(indexOf(Array.from({ length: 3000 }, () => entry())));
  const client = new RegistryClient({ insecureRegistries: [host] });
  const first = await client.resolve(`${host}/big:1`);
  expect(first.error?.code).toBe('LIMIT_EXCEEDED');
  expect(first.error?.message).toMatch(/3000 platform entries.*maxIndexEntries 64/);
  expect(paths.filter((p) => p.includes('/manifests/') || p.includes('/blobs/'))).toEqual(['/v2/big/manifests/1']);
  paths.length = 0;
  expect((await client.resolve(`${host}/big:1`)).error?.code).toBe('LIMIT_EXCEEDED');
  expect(paths).toEqual([]);
});

it('skips attestation and unknown-type entries without fetching them', async () => {
  const attestation = entry({ platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' }, digest: `sha256:${'a'.repeat(64)}` });
  const unknown = { mediaType: 'application/vnd.example.thing', digest: `sha256:${'b'.repeat(64)}`, size: 1 };
  const { host, paths } = await serve(indexOf([entry(), ...Array.from({ length: 2000 }, () => attestation), ...Array.from({ length: 2000 }, () => unknown)]));
  const info = await new RegistryClient({ insecureRegistries: [host] }).resolve(`${host}/app:1`);
  expect(info.platformStrings).toEqual(['linux/arm64']);
  expect(paths.filter((p) => p.includes('a'.repeat(64)) || p.includes('b'.repeat(64)))).toEqual([]);
});

it('stops at the child-fetch cap', async () => {
  const { host } = await serve(indexOf(Array.from({ length: 10 }, () => entry())));
  const client = new RegistryClient({ insecureRegistries: [host], workLimits: { maxIndexEntries: 64, maxIndexDepth: 3, maxChildFetches: 5 } });
  const info = await client.resolve(`${host}/app:1`);
  expect(info.error?.code).toBe('LIMIT_EXCEEDED');
  expect(info.error?.message).toMatch(/maxChildFetches 5/);
});

it('answers NOT_AN_IMAGE for an image whose config names no platform a node runs, and asks the child when a label is no platform name', async () => {
  const odd = Buffer.from(JSON.stringify({ architecture: 'ob!b3au', os: 'linux' }));
  const oddImage = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: MediaTypes.ociConfig, digest: sha(odd), size: odd.length }, layers: [] }));
  const paths: string[] = [];
  const blobs = new Map([[sha(image), image], [sha(config), config], [sha(odd), odd], [sha(oddImage), oddImage]]);
  const index = indexOf([entry({ platform: { os: 'linux', architecture: 'arm 64!' } })]);
  const port = await listen((req, res) => {
    paths.push(req.url ?? '');
    if (req.url === '/v2/') return res.writeHead(200).end();
    if (req.url?.endsWith('/manifests/odd')) return res.writeHead(200, { 'content-type': MediaTypes.ociManifest }).end(oddImage);
    if (req.url?.endsWith('/manifests/labelled')) return res.writeHead(200, { 'content-type': MediaTypes.ociIndex }).end(index);
    const body = blobs.get(req.url?.split('/').pop() ?? '');
    if (body) return res.writeHead(200, { 'content-type': body === image || body === oddImage ? MediaTypes.ociManifest : 'application/octet-stream' }).end(body);
    return res.writeHead(404).end();
  });
  const client = new RegistryClient({ insecureRegistries: [`127.0.0.1:${port}`] });
  const info = await client.resolve(`127.0.0.1:${port}/app:odd`);
  expect(info.error?.code).toBe('NOT_AN_IMAGE');
  expect(info.error?.message).toMatch(/"linux\/ob!b3au", which no node runs/);
  // The label "arm 64!" is ignored; the child's config (linux/arm64) is the answer.
  expect((await client.resolve(`127.0.0.1:${port}/app:labelled`)).platformStrings).toEqual(['linux/arm64']);
  expect(paths).toContain(`/v2/app/manifests/${sha(image)}`);
});
