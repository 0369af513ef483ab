/**
 * Kubeconfig loading against client-go's own rules (clientcmd's loader and its tests: TestConflictingCurrentContext,
 * TestToleratingMissingFiles, TestNonExistentCommandLineFile, TestErrorReadingFile, TestResolveRelativePaths,
 * duplicate names in one file, first definition of a name wins across KUBECONFIG files) and the override flags.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadKubeconfig, type KubeconfigEnvironment } from './kubeconfig-load.js';
import type { KubeOverrides } from './kubeconfig-select.js';

const dir = mkdtempSync(join(tmpdir(), 'archcheck-kubeconfig-'));

interface Spec {
  current?: string;
  clusters?: Record<string, Record<string, unknown>>;
  users?: Record<string, Record<string, unknown>>;
  contexts?: Record<string, Record<string, unknown>>;
}

function file(name: string, spec: Spec | string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  const text =
    typeof spec === 'string'
      ? spec
      : stringify({
          apiVersion: 'v1',
          kind: 'Config',
          ...(spec.current !== undefined && { 'current-context': spec.current }),
          clusters: Object.entries(spec.clusters ?? {}).map(([n, cluster]) => ({ name: n, cluster })),
          users: Object.entries(spec.users ?? {}).map(([n, user]) => ({ name: n, user })),
          contexts: Object.entries(spec.contexts ?? {}).map(([n, context]) => ({ name: n, context })),
        });
  writeFileSync(path, text);
  return path;
}

const A = file('a.yaml', {
  current: 'ctx-a',
  clusters: { shared: { server: 'https://a.example:6443' }, 'only-a': { server: 'https://only-a:6443' } },
  users: { shared: { token: 'token-a' } },
  contexts: { 'ctx-a': { cluster: 'shared', user: 'shared', namespace: 'ns-a' }, both: { cluster: 'shared', user: 'shared' } },
});
const B = file('b.yaml', {
  current: 'ctx-b',
  clusters: { shared: { server: 'https://b.example:6443' }, 'only-b': { server: 'https://only-b:6443' } },
  users: { shared: { token: 'token-b' } },
  contexts: { 'ctx-b': { cluster: 'only-b', user: 'shared' }, both: { cluster: 'only-b', user: 'shared', namespace: 'from-b' } },
});
const NO_CURRENT = file('no-current.yaml', { clusters: { c: { server: 'https://nc:6443' } }, contexts: { nc: { cluster: 'c' } } });
const EMPTY = file('empty.yaml', '');
const COMMENT_ONLY = file('comment.yaml', '# nothing here\n');
const DUPLICATE = file('dup.yaml', 'clusters:\n- {name: c, cluster: {server: "https://1"}}\n- {name: c, cluster: {server: "https://2"}}\n');
const BROKEN = file('broken.yaml', 'clusters: [\n');
const MISSING = join(dir, 'missing.yaml');
const RELATIVE = file('sub/rel.yaml', {
  current: 'r',
  clusters: { r: { server: 'https://r:6443', 'certificate-authority': 'ca.crt' } },
  users: { r: { 'client-certificate': 'certs/u.crt', 'client-key': '/abs/u.key', exec: { command: './bin/login', apiVersion: 'client.authentication.k8s.io/v1' } } },
  contexts: { r: { cluster: 'r', user: 'r' } },
});
const EXEC_ON_PATH = file('exec.yaml', {
  current: 'e',
  clusters: { e: { server: 'https://e:6443' } },
  users: { e: { exec: { command: 'kubelogin', apiVersion: 'client.authentication.k8s.io/v1' } } },
  contexts: { e: { cluster: 'e', user: 'e' } },
});

function env(kubeconfig?: string, extra: NodeJS.ProcessEnv = {}): KubeconfigEnvironment {
  return { env: { ...(kubeconfig !== undefined && { KUBECONFIG: kubeconfig }), ...extra }, home: join(dir, 'home'), serviceAccountDir: join(dir, 'sa') };
}

function load(kubeconfigEnv: string | undefined, overrides: KubeOverrides = {}, explicit?: string): Record<string, unknown> {
  const { selected } = loadKubeconfig(explicit, overrides, env(kubeconfigEnv));
  return { context: selected.contextName, server: selected.server, namespace: selected.namespace, user: selected.userName, token: selected.user.token };
}

describe('KUBECONFIG merge rules (client-go)', () => {
  it.each([
    { rule: 'the first file that sets current-context wins', env: `${A}:${B}`, want: { context: 'ctx-a', server: 'https://a.example:6443', namespace: 'ns-a', token: 'token-a' } },
    { rule: 'order decides, not the file name', env: `${B}:${A}`, want: { context: 'ctx-b', server: 'https://only-b:6443', namespace: 'default', token: 'token-b' } },
    { rule: 'a file without current-context does not hide a later one', env: `${NO_CURRENT}:${B}`, want: { context: 'ctx-b', server: 'https://only-b:6443' } },
    { rule: 'missing files are skipped', env: `${MISSING}:${A}`, want: { context: 'ctx-a', server: 'https://a.example:6443' } },
    { rule: 'empty files are an empty config', env: `${EMPTY}:${COMMENT_ONLY}:${B}`, want: { context: 'ctx-b' } },
    { rule: 'empty entries and duplicates in the list are ignored', env: `::${A}:${A}:`, want: { context: 'ctx-a' } },
  ])('$rule', ({ env: list, want }) => {
    expect(load(list)).toMatchObject(want);
  });

  it.each([
    { rule: 'a context defined in two files: the first definition wins, whole', env: `${A}:${B}`, o: { context: 'both' }, want: { context: 'both', server: 'https://a.example:6443', namespace: 'default' } },
    { rule: 'the same, the other way round', env: `${B}:${A}`, o: { context: 'both' }, want: { server: 'https://only-b:6443', namespace: 'from-b' } },
    { rule: 'a cluster defined in two files: the first wins', env: `${B}:${A}`, o: { context: 'ctx-a' }, want: { server: 'https://b.example:6443', token: 'token-b' } },
    { rule: '--cluster replaces the context\'s cluster', env: `${A}:${B}`, o: { cluster: 'only-b' }, want: { context: 'ctx-a', server: 'https://only-b:6443' } },
    { rule: '--server replaces the cluster\'s server', env: A, o: { server: 'https://other:443/' }, want: { server: 'https://other:443' } },
    { rule: '-n replaces the context\'s namespace', env: A, o: { namespace: 'prod' }, want: { namespace: 'prod' } },
    { rule: '--token replaces the user\'s credentials', env: A, o: { token: 'flag-token' }, want: { token: 'flag-token' } },
    { rule: '--user names a user with no entry: anonymous, as in client-go', env: A, o: { user: 'nobody' }, want: { user: 'nobody', token: undefined } },
  ] as Array<{ rule: string; env: string; o: KubeOverrides; want: Record<string, unknown> }>)('$rule', ({ env: list, o, want }) => {
    expect(load(list, o)).toMatchObject(want);
  });

  it('--kubeconfig reads only that file, even with KUBECONFIG set', () => {
    expect(load(`${A}`, {}, B)).toMatchObject({ context: 'ctx-b' });
  });

  it('--server and --token work with no kubeconfig at all', () => {
    expect(load(MISSING, { server: 'https://direct:6443', token: 't' })).toMatchObject({ context: '', server: 'https://direct:6443', token: 't', namespace: 'default' });
  });

  it('resolves relative paths against the file that holds them; exec commands only when they are paths', () => {
    const { selected } = loadKubeconfig(undefined, {}, env(RELATIVE));
    expect(selected.cluster['certificate-authority']).toBe(join(dir, 'sub', 'ca.crt'));
    expect(selected.user['client-certificate']).toBe(join(dir, 'sub', 'certs', 'u.crt'));
    expect(selected.user['client-key']).toBe('/abs/u.key');
    expect((selected.user.exec as { command: string }).command).toBe(join(dir, 'sub', 'bin', 'login'));
    const onPath = loadKubeconfig(undefined, {}, env(EXEC_ON_PATH)).selected;
    expect((onPath.user.exec as { command: string }).command).toBe('kubelogin');
  });

  it('--token drops the exec plugin; --insecure-skip-tls-verify drops the CA; --certificate-authority replaces it', () => {
    const token = loadKubeconfig(undefined, { token: 't' }, env(RELATIVE)).selected;
    expect(token.user.exec).toBeUndefined();
    expect(token.user.token).toBe('t');
    const insecure = loadKubeconfig(undefined, { insecureSkipTlsVerify: true }, env(RELATIVE)).selected;
    expect(insecure.cluster).toMatchObject({ 'insecure-skip-tls-verify': true });
    expect(insecure.cluster['certificate-authority']).toBeUndefined();
    const ca = loadKubeconfig(undefined, { certificateAuthority: 'my-ca.pem' }, env(RELATIVE)).selected;
    expect(ca.cluster['certificate-authority']).toBe(join(process.cwd(), 'my-ca.pem'));
  });

  it('impersonates with --as and --as-group', () => {
    expect(loadKubeconfig(undefined, { as: 'jane', asGroups: ['dev', 'ops'] }, env(A)).selected.impersonate).toEqual({ user: 'jane', groups: ['dev', 'ops'] });
    expect(loadKubeconfig(undefined, {}, env(A)).selected.impersonate).toBeNull();
  });

  it('uses the pod\'s service account when there is no kubeconfig (in-cluster)', () => {
    const sa = join(dir, 'sa');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'sa-token');
    writeFileSync(join(sa, 'namespace'), 'tools\n');
    const { selected, source } = loadKubeconfig(undefined, {}, env(undefined, { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }));
    expect(source).toBe('in-cluster service account');
    expect(selected).toMatchObject({ server: 'https://10.0.0.1:443', namespace: 'tools', user: { tokenFile: join(sa, 'token') } });
  });
});

describe('kubeconfig errors: one line that names the file and what to do', () => {
  it.each([
    { what: 'a missing --kubeconfig', explicit: MISSING, env: undefined, o: {}, message: `cannot read kubeconfig ${MISSING}: no such file` },
    { what: 'an empty --kubeconfig', explicit: EMPTY, env: undefined, o: {}, message: `the kubeconfig (--kubeconfig ${EMPTY}) is empty: it defines no context or cluster; pass --kubeconfig with a kubeconfig, or --server and --token` },
    { what: 'no kubeconfig anywhere', explicit: undefined, env: MISSING, o: {}, message: `no kubeconfig found (KUBECONFIG=${MISSING}): set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config` },
    { what: 'a name twice in one file', explicit: DUPLICATE, env: undefined, o: {}, message: `cannot read kubeconfig ${DUPLICATE}: clusters has "c" twice` },
    { what: 'invalid YAML', explicit: BROKEN, env: undefined, o: {}, message: /^cannot read kubeconfig .*broken\.yaml: invalid YAML: / },
    { what: 'a directory', explicit: dir, env: undefined, o: {}, message: `cannot read kubeconfig ${dir}: is a directory` },
    { what: 'an unknown --context', explicit: undefined, env: `${A}:${B}`, o: { context: 'nope' }, message: `context "nope" is not in the kubeconfig (KUBECONFIG=${A}:${B}); contexts: ctx-a, both, ctx-b` },
    { what: 'an unknown --cluster', explicit: A, env: undefined, o: { cluster: 'nope' }, message: `cluster "nope" (from --cluster) is not in the kubeconfig (--kubeconfig ${A}); clusters: shared, only-a` },
    { what: 'no current-context', explicit: NO_CURRENT, env: undefined, o: {}, message: `the kubeconfig (--kubeconfig ${NO_CURRENT}) has no current-context: pass --context NAME or run kubectl config use-context NAME` },
    { what: '--as-group without --as', explicit: A, env: undefined, o: { asGroups: ['dev'] }, message: '--as-group dev needs --as USER: Kubernetes impersonates groups only together with a user' },
  ] as Array<{ what: string; explicit?: string; env?: string; o: KubeOverrides; message: string | RegExp }>)('$what', ({ explicit, env: list, o, message }) => {
    let error: Error | undefined;
    try {
      loadKubeconfig(explicit, o, env(list));
    } catch (e) {
      error = e as Error;
    }
    expect(error?.name).toBe('KubeAccessError');
    if (typeof message === 'string') expect(error?.message).toBe(message);
    else expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('\n');
  });
});
