/**
 * `kubectl archcheck` read the way kubectl reads its command line and kubeconfig, checked through the CLI against
 * loopback servers: a closed port (the audit says which namespace, context and server it was about to read), a
 * server that accepts and never answers, and one that trickles its answer. Every error: one line, exit 2.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../plugin/cli.js';
import { freePort } from './cluster/cluster.js';

async function archcheck(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env });
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'archcheck-kubectl-syntax-'));

function kubeconfig(name: string, server: string, user: Record<string, unknown> = { token: 't' }, extra = ''): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'from-context' } }],
      'current-context': 'x',
    }) + extra,
  );
  return path;
}

let closed: string;
let closedUrl: string;
let hung: net.Server;
let trickle: http.Server;
let hungConfig: string;
let trickleConfig: string;

beforeAll(async () => {
  closedUrl = `https://127.0.0.1:${await freePort()}`;
  closed = kubeconfig('closed.kubeconfig', closedUrl);
  // Accepts the connection and never says a word (not even the TLS handshake).
  hung = net.createServer(() => undefined);
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
  hungConfig = kubeconfig('hung.kubeconfig', `https://127.0.0.1:${(hung.address() as net.AddressInfo).port}`);
  // Answers at once, then sends one byte every 200 ms forever: never idle, never done.
  trickle = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"items":[');
    const timer = setInterval(() => res.write(' '), 200);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => trickle.listen(0, '127.0.0.1', r));
  trickleConfig = kubeconfig('trickle.kubeconfig', `http://127.0.0.1:${(trickle.address() as net.AddressInfo).port}`);
});

afterAll(() => {
  hung?.close();
  trickle?.closeAllConnections();
  trickle?.close();
});

describe('kubectl flag syntax', () => {
  const server = (): string => closedUrl;
  const refused = (): string => `error: cannot reach the API server ${server()}: connect ECONNREFUSED ${server().replace('https://', '')}\n`;

  it.each([
    { args: ['-n=prod'], scope: 'namespace "prod"' },
    { args: ['-nprod'], scope: 'namespace "prod"' },
    { args: ['--namespace=prod'], scope: 'namespace "prod"' },
    { args: ['audit', '-n', 'prod', '--fail-on', 'broken'], scope: 'namespace "prod"' },
    { args: ['-o=json', '--all-namespaces=true'], scope: 'all namespaces' },
    { args: ['--all-namespaces=false'], scope: 'namespace "from-context"' },
    { args: ['-A=true', '-o', 'json'], scope: 'all namespaces' },
  ])('$args audits $scope', async ({ args, scope }) => {
    const r = await archcheck([...args, '--kubeconfig', closed]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`auditing ${scope} of context "x" (${server()})\n${refused()}`);
  });

  it('takes global flags before the subcommand: --context X nodes runs nodes', async () => {
    const r = await archcheck(['--kubeconfig', closed, '--context', 'x', 'nodes', '-o=json']);
    expect(r.code).toBe(2);
    // nodes, not an audit: no "auditing" line.
    expect(r.stderr).toBe(refused());
  });

  it.each([
    { args: ['audti'], message: 'error: unknown command "audti" for "kubectl archcheck"; did you mean "audit"?\n' },
    { args: ['--context', 'x', 'node'], message: 'error: unknown command "node" for "kubectl archcheck"; did you mean "nodes"?\n' },
    { args: ['--all-namespaces=yes'], message: 'error: --all-namespaces=yes: --all-namespaces is true or false, not "yes"\n' },
    { args: ['--namespcae', 'x'], message: 'error: unknown flag: --namespcae\n' },
    { args: ['completion', 'tcsh'], message: 'error: completion tcsh: use one of bash, zsh, fish, powershell\n' },
  ])('$args: one line, exit 2', async ({ args, message }) => {
    const r = await archcheck(args);
    expect(r).toEqual({ code: 2, stdout: '', stderr: message });
  });

  it('prints its version', async () => {
    const r = await archcheck(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kubectl-archcheck \d+\.\d+\.\d+\n$/);
  });

  it.each([
    { args: ['no'], out: 'nodes\n:4\n' },
    { args: ['--context', 'x', 'manifests', '--clu'], out: '--cluster-archs\n:4\n' },
    { args: ['manifests', '-f', ''], out: ':0\n' },
    { args: ['image', 'ngi'], out: ':4\n' },
  ])('answers kubectl\'s plugin completion: __complete $args', async ({ args, out }) => {
    expect(await archcheck(['__complete', ...args])).toEqual({ code: 0, stdout: out, stderr: '' });
  });

  it('completes subcommands and their flags in a real bash', async () => {
    const script = (await archcheck(['completion', 'bash'])).stdout;
    const complete = (line: string): string[] => {
      const words = line.split(' ');
      const program = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _kubectl_archcheck; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return execFileSync('bash', ['-c', program], { encoding: 'utf8' }).split('\n').filter(Boolean);
    };
    expect(complete('kubectl-archcheck no')).toEqual(['nodes']);
    expect(complete('kubectl-archcheck nodes --req')).toEqual(['--request-timeout']);
    expect(complete('kubectl-archcheck --context x manifests --clu')).toEqual(['--cluster-archs']);
    expect(complete('kubectl-archcheck --all')).toEqual(['--all-namespaces']);
    for (const shell of ['zsh', 'fish', 'powershell']) {
      const r = await archcheck(['completion', shell]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('kubectl-archcheck');
      expect(r.stdout).toContain('request-timeout');
    }
  });
});

describe('timeouts hold against hung API servers (wall clock)', () => {
  it.each([
    { what: 'a server that never answers', config: (): string => hungConfig },
    { what: 'a server that trickles its answer', config: (): string => trickleConfig },
  ])('--request-timeout 2s: $what', async ({ config }) => {
    const started = Date.now();
    const r = await archcheck(['nodes', '--request-timeout', '2s', '--kubeconfig', config()]);
    const elapsed = Date.now() - started;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: the API server http(s)?:\/\/127\.0\.0\.1:\d+ did not answer within 2 s \(reading nodes \(all namespaces\)\); check the server is reachable or raise --request-timeout\n$/);
    expect(elapsed).toBeLessThan(3_000);
  });

  it('an audit against a hung server stops within the limit too', async () => {
    const started = Date.now();
    const r = await archcheck(['-A', '--request-timeout', '1500ms', '--kubeconfig', hungConfig]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(2);
    expect(r.stderr).toMatch(/\nerror: the API server https:\/\/127\.0\.0\.1:\d+ did not answer within 1\.5 s/);
    expect(Date.now() - started).toBeLessThan(2_500);
  });
});

describe('--timeout holds per image against a hung registry (wall clock)', () => {
  const hungRegistry = (): string => `127.0.0.1:${(hung.address() as net.AddressInfo).port}`;

  it('image --timeout 2s answers TIMEOUT within 3 s', async () => {
    const started = Date.now();
    const r = await archcheck(['image', `${hungRegistry()}/team/app:1`, '--timeout', '2s', '--cloud-auth', 'none', '--registry-config', writeTo('docker.json', '{}'), '-o', 'json']);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { images: Array<{ error: { code: string } }> }).images[0]!.error.code).toBe('TIMEOUT');
  });

  it('a manifests audit with --timeout 2s: unknown (TIMEOUT) within 3 s', async () => {
    const pod = writeTo('pod.yaml', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: "${hungRegistry()}/team/app:1"}]}\n`);
    const started = Date.now();
    const r = await archcheck(['manifests', '-f', pod, '--timeout', '2s', '--no-cache', '--cloud-auth', 'none', '--registry-config', writeTo('docker.json', '{}'), '--no-headers']);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(r.stdout).toMatch(/^Pod\/p\s+unknown\s+<none>\s+unknown\s+TIMEOUT\n$/);
  });
});

describe('an unusable --cache-dir: one line, exit 2, at once (it used to spin at 100% CPU)', () => {
  it.each([
    { dir: '/proc/archcheck-nope/cache', message: 'error: --cache-dir /proc/archcheck-nope/cache: cannot create /proc/archcheck-nope: ENOENT; pass a writable directory or --no-cache\n' },
    { dir: '/etc/hostname/cache', message: 'error: --cache-dir /etc/hostname/cache: /etc/hostname is not a directory; pass a writable directory or --no-cache\n' },
  ])('$dir', async ({ dir: cacheDir, message }) => {
    const pod = writeTo('pod-cache.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: "127.0.0.1:1/x:1"}]}\n');
    const r = await archcheck(['manifests', '-f', pod, '--cache-dir', cacheDir, '--cloud-auth', 'none']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: message });
  });
});

describe('kubeconfig errors: one line, exit 2', () => {
  it.each([
    { what: 'an empty kubeconfig', setup: (): string[] => ['--kubeconfig', writeTo('empty.kubeconfig', '')], message: /^error: the kubeconfig \(--kubeconfig .*empty\.kubeconfig\) is empty: it defines no context or cluster; pass --kubeconfig with a kubeconfig, or --server and --token\n$/ },
    { what: 'a missing --kubeconfig', setup: (): string[] => ['--kubeconfig', join(dir, 'nope')], message: /^error: cannot read kubeconfig .*nope: no such file\n$/ },
    {
      what: 'an exec plugin that is not installed',
      setup: (): string[] => ['--kubeconfig', kubeconfig('exec.kubeconfig', 'https://192.0.2.1:6443', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'kubelogin-not-installed', installHint: 'install kubelogin: https://azure.github.io/kubelogin' } })],
      message: 'error: user "u" gets its credentials from "kubelogin-not-installed", which is not installed or not on PATH: install kubelogin: https://azure.github.io/kubelogin\n',
    },
    { what: '--as-group without --as', setup: (): string[] => ['--kubeconfig', closed, '--as-group', 'dev'], message: 'error: --as-group dev needs --as USER: Kubernetes impersonates groups only together with a user\n' },
  ])('$what', async ({ setup, message }) => {
    const r = await archcheck(['nodes', ...setup()]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    if (typeof message === 'string') expect(r.stderr).toBe(message);
    else expect(r.stderr).toMatch(message);
  });

  it('KUBECONFIG with a missing file and a duplicate definition: the first definition wins, as kubectl', async () => {
    const first = kubeconfig('first.kubeconfig', closedUrl);
    const second = join(dir, 'second.kubeconfig');
    writeFileSync(second, JSON.stringify({ clusters: [{ name: 'c', cluster: { server: 'https://192.0.2.1:6443' } }], contexts: [{ name: 'y', context: { cluster: 'c' } }], 'current-context': 'y' }));
    const r = await archcheck(['-n', 'a'], { KUBECONFIG: `${join(dir, 'missing')}:${first}:${second}` });
    expect(r.stderr.split('\n')[0]).toBe(`auditing namespace "a" of context "x" (${closedUrl})`);
  });
});

function writeTo(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}
