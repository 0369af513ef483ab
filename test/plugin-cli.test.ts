/** Usage errors of the audit, nodes and savings commands: one line on stderr, exit 2, before anything is read. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../plugin/cli.js';

async function archcheck(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: {} });
  return { code, stdout, stderr };
}

// A kubeconfig whose server is never reached: every case must fail before connecting.
const dir = mkdtempSync(join(tmpdir(), 'archcheck-cli-'));
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://192.0.2.1:6443"}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n');
const badPrices = join(dir, 'prices.yaml');
writeFileSync(badPrices, 'instanceTypes:\n  D4: {arch: amd64, vcpus: 4}\n');

describe('kubectl archcheck usage errors', () => {
  it.each([
    [['-n', 'a', '-A'], 'error: use either -n/--namespace or -A/--all-namespaces, not both\n'],
    [['-l', 'app in (a b)'], /^error: invalid label selector "app in \(a b\)"/],
    [['-o', 'xml'], 'error: -o xml: use table, wide, json, yaml, name, markdown\n'],
    [['--fail-on', 'warnings'], 'error: --fail-on warnings: use at-risk, broken, unknown, not-ready\n'],
    [['--target-arch', 'ARM 64'], /^error: --target-arch ARM 64: expected an arch/],
    [['--request-timeout', 'soon'], /^error: --request-timeout "soon" is not a duration/],
    [['--context', 'nope'], /^error: context "nope" is not in the kubeconfig \(.*\); contexts: x\n$/],
    [['nodes', '-o', 'csv'], 'error: -o csv: use table, wide, json, yaml\n'],
    [['--price', 'amd64=0.05', '--price', 'arm64=0.04'], 'error: --price and --price-file price the --report; for prices alone use kubectl archcheck savings\n'],
    [['--report', '/nonexistent-dir/r.html'], 'error: --report /nonexistent-dir/r.html: cannot write in /nonexistent-dir (ENOENT)\n'],
    [['fleet'], 'error: fleet needs exactly one of --contexts a,b,c, --all-contexts or --kubeconfig-dir DIR\n'],
    [['fleet', '--all-contexts', '--max-concurrency', '0'], 'error: --max-concurrency 0: expected a whole number from 1 to 64\n'],
    [['fleet', '--all-contexts', '-o', 'wide'], 'error: -o wide: use table, json, yaml, markdown\n'],
    [['fleet', '--all-contexts', '--fail-on', 'sometimes'], 'error: --fail-on sometimes: use at-risk, broken, unknown, not-ready, unreachable\n'],
    [['savings'], 'error: savings needs prices: --price amd64=X --price arm64=Y (per vCPU-hour) or --price-file\n'],
    [['savings', '--price', 'amd64'], /^error: --price amd64: expected ARCH=PRICE/],
    [['savings', '--price', 'amd64=0.05'], /^error: no price for the target arch arm64: pass --price arm64=PRICE/],
    [['savings', '--price-file', badPrices], /^error: .*prices\.yaml: instanceTypes\.D4\.hourly: expected a non-negative number/],
    [['savings', '--price-file', join(dir, 'missing.yaml')], /^error: --price-file .*missing\.yaml: ENOENT/],
  ] as Array<[string[], string | RegExp]>)('%j', async (args, message) => {
    const r = await archcheck([...args, '--kubeconfig', kubeconfig]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    if (typeof message === 'string') expect(r.stderr).toBe(message);
    else expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('shows the status rules in the audit help', async () => {
    const r = await archcheck(['audit', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: kubectl archcheck audit [options]');
    expect(r.stdout).toContain('at-risk   the scheduler may place it on a node arch one of its images lacks');
  });
});
