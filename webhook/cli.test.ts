import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runWebhookCli, type Process } from './cli.js';
import { localhostCertificates } from './testing/test-server.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function fakeProcess(argv: string[]): Process & { lines: string[]; codes: number[]; signals: Map<string, () => void> } {
  const lines: string[] = [];
  const codes: number[] = [];
  const signals = new Map<string, () => void>();
  return { argv, env: {}, lines, codes, signals, stderr: (l) => void lines.push(l), onSignal: (s, h) => void signals.set(s, h), exit: (c) => void codes.push(c) };
}

describe('archcheck-webhook process', () => {
  it('bad flags: one line, exit 2, no stack trace (real process)', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'webhook', 'main.ts'), '--mode', 'enforce'], { encoding: 'utf8', cwd: ROOT });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n').filter((l) => !l.includes('npm warn'))).toEqual([
      'archcheck-webhook: invalid --mode "enforce" (mode): expected one of mutate, warn, audit, off',
    ]);
  });

  it('unreadable cert files: exit 2 with what is wrong', async () => {
    const proc = fakeProcess(['--tls-cert-file', '/nonexistent/tls.crt', '--tls-private-key-file', '/nonexistent/tls.key', '--log-level', 'silent']);
    await runWebhookCli(proc);
    expect(proc.codes).toEqual([2]);
    expect(proc.lines).toEqual([expect.stringMatching(/^archcheck-webhook: cannot read --tls-cert-file\/--tls-private-key-file: ENOENT.*\n$/)]);
  });

  it('--on-unresolved gate without API access: exit 2, saying why (nothing would remove the gates)', async () => {
    const proc = fakeProcess(['--on-unresolved', 'gate', '--tls-cert-file', '/nonexistent/tls.crt', '--tls-private-key-file', '/nonexistent/tls.key', '--log-level', 'silent']);
    await runWebhookCli(proc);
    expect(proc.codes).toEqual([2]);
    expect(proc.lines).toEqual([expect.stringMatching(/^archcheck-webhook: --on-unresolved gate needs API access .*use allow or deny\n$/)]);
  });

  it('--reconcile true without API access: exit 2, saying why', async () => {
    const proc = fakeProcess(['--reconcile', 'true', '--tls-cert-file', '/nonexistent/tls.crt', '--tls-private-key-file', '/nonexistent/tls.key', '--log-level', 'silent']);
    await runWebhookCli(proc);
    expect(proc.codes).toEqual([2]);
    expect(proc.lines).toEqual([expect.stringMatching(/^archcheck-webhook: --reconcile true needs API access .*use --reconcile false\n$/)]);
  });

  it('release-gates without API access, or with a bad flag: exit 2 with what is wrong', async () => {
    const none = fakeProcess(['release-gates', '--log-level', 'silent']);
    await runWebhookCli(none);
    expect(none.codes).toEqual([2]);
    expect(none.lines).toEqual(['archcheck-webhook release-gates: release-gates needs API access: run it in the cluster or pass --kubeconfig\n']);
    const bad = fakeProcess(['release-gates', '--kubeconfig', '/nonexistent/kubeconfig']);
    await runWebhookCli(bad);
    expect(bad.codes).toEqual([2]);
    expect(bad.lines).toEqual([expect.stringMatching(/^archcheck-webhook release-gates: --kubeconfig \/nonexistent\/kubeconfig: ENOENT/)]);
  });

  it('SIGTERM drains and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'archcheck-cli-'));
    const { serving } = localhostCertificates();
    writeFileSync(join(dir, 'tls.crt'), serving.certPem);
    writeFileSync(join(dir, 'tls.key'), serving.keyPem);
    const proc = fakeProcess(['--listen', '127.0.0.1:0', '--tls-cert-file', join(dir, 'tls.crt'), '--tls-private-key-file', join(dir, 'tls.key'), '--log-level', 'silent']);
    const running = await runWebhookCli(proc);
    expect(running).toBeDefined();
    proc.signals.get('SIGTERM')!();
    await expect.poll(() => proc.codes).toEqual([0]);
  });
});
