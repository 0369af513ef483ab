/**
 * `npm run demo`, the README's first command, exactly as a user runs it: once (`--once`: print and exit), and
 * in the foreground, explored through the KUBECONFIG it prints, then stopped from "another terminal" with
 * `npm run demo -- --down`. Each run starts its own cluster and registry (in the demo process).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binaryPaths, run, waitFor } from '../cluster/cluster.js';
import { REPO_ROOT } from '../helm.js';

const stateDir = mkdtempSync(path.join(tmpdir(), 'archcheck-demo-test-'));
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children.filter((c) => c.exitCode === null && c.signalCode === null)) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  rmSync(stateDir, { recursive: true, force: true });
}, 180_000);

interface Demo {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function demo(args: string[]): Demo {
  const env = { ...process.env, ARCHCHECK_DEMO_DIR: stateDir };
  const child = spawn('npm', ['run', '--silent', 'demo', ...(args.length > 0 ? ['--', ...args] : [])], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

function line(text: string, key: string): string | undefined {
  return new RegExp(`^${key}=(.+)$`, 'm').exec(text)?.[1];
}

function section(text: string, title: string): string {
  const start = text.indexOf(title);
  expect(start, `output has "${title}"`).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n\n', text.indexOf('WORKLOAD', start));
  return text.slice(start, end);
}

/** The table rows (below the WORKLOAD header) of a section. */
function rows(text: string): string[][] {
  return text
    .split('\n')
    .slice(text.split('\n').findIndex((l) => l.startsWith('WORKLOAD')) + 1)
    .filter(Boolean)
    .map((l) => l.split(/\s{2,}/));
}

function checkReport(out: string): void {
  // The plugin part (kept from the first demo).
  expect(out).toContain('kubectl archcheck image 10 sample images on a local registry');
  expect(out).toMatch(/\/buildx\/app:1\s+multi-arch\s+linux\/amd64, linux\/arm64/);
  // The placement report, without and with archcheck.
  const without = rows(section(out, 'Without archcheck (namespace without-archcheck)'));
  const withArchcheck = rows(section(out, 'With archcheck (namespace with-archcheck)'));
  for (const table of [without, withArchcheck]) {
    expect(new Set(table.map((r) => r[0]))).toEqual(
      new Set(['CronJob/report', 'DaemonSet/log-agent', 'Deployment/arm-native', 'Deployment/legacy-tolerant', 'Deployment/web', 'Job/migrate', 'Pod/debug', 'StatefulSet/db']),
    );
    for (const r of table) expect(r).toHaveLength(6);
  }
  expect(withArchcheck.filter((r) => r[5] !== 'yes')).toEqual([]);
  const crashed = without.filter((r) => r[5] === 'NO: exec format error');
  expect(crashed.length).toBeGreaterThan(0);
  // Every NO is a real mismatch between the image archs and the node arch printed beside it.
  for (const r of crashed) expect((r[1] ?? '').split(',')).not.toContain(r[4]);
  expect(out).toContain(`${without.length} pods, ${crashed.length} on a node whose arch their images lack`);
  expect(out).toContain(`${withArchcheck.length} pods, 0 on a node whose arch their images lack`);
  expect(line(out, 'KUBECONFIG')).toMatch(/^\/.*kubeconfig\.yaml$/);
  expect(line(out, 'REGISTRY')).toMatch(/^127\.0\.0\.1:\d+$/);
}

describe('npm run demo', () => {
  it('--once: prints the placement report and the KUBECONFIG/REGISTRY lines, exits 0 and leaves nothing running', async () => {
    const t0 = Date.now();
    const d = demo(['--once']);
    const code = await d.exited;
    const out = d.stdout();
    expect(code, `${out}\n${d.stderr().slice(-3000)}`).toBe(0);
    console.log(`[e2e-demo] npm run demo -- --once took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    checkReport(out);
    // Torn down: the cluster's state directory is gone, the registry no longer answers.
    expect(existsSync(line(out, 'KUBECONFIG')!)).toBe(false);
    await expect(fetch(`http://${line(out, 'REGISTRY')}/v2/`)).rejects.toThrow();
    expect(existsSync(path.join(stateDir, 'demo.pid'))).toBe(false);
  }, 1_800_000); // a cold machine builds the control plane first

  it('stays up until `npm run demo -- --down` from another terminal; the printed KUBECONFIG works meanwhile', async () => {
    const t0 = Date.now();
    const d = demo([]);
    await waitFor(() => d.stdout().includes('Running until Ctrl-C') || d.child.exitCode !== null, 600_000, { message: 'the demo to be up', intervalMs: 500 });
    expect(d.child.exitCode, d.stderr().slice(-3000)).toBeNull();
    const out = d.stdout();
    checkReport(out);
    const kubeconfig = line(out, 'KUBECONFIG')!;
    const registryHost = line(out, 'REGISTRY')!;

    // What the demo leaves for other shells.
    const pid = Number(readFileSync(path.join(stateDir, 'demo.pid'), 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(readFileSync(path.join(stateDir, 'demo.env'), 'utf8')).toBe(`KUBECONFIG=${kubeconfig}\nREGISTRY=${registryHost}\n`);
    // A second demo refuses to start while this one runs.
    const second = demo([]);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain('another demo is running');

    // Explore like a user: the cluster answers through the printed KUBECONFIG, the webhook still places new pods.
    const kubectl = binaryPaths().kubectl;
    const pods = await run(kubectl, ['--kubeconfig', kubeconfig, 'get', 'pods', '-n', 'with-archcheck', '-o', 'name'], { check: true });
    expect(pods.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(17);
    await run(kubectl, ['--kubeconfig', kubeconfig, 'run', 'try', `--image=${registryHost}/single/arm64:1`], { check: true });
    const node = await waitFor(
      async () => (await run(kubectl, ['--kubeconfig', kubeconfig, 'get', 'pod', 'try', '-o', 'jsonpath={.spec.nodeName}'])).stdout.trim(),
      60_000,
      { message: 'pod try scheduled' },
    );
    expect(node).toMatch(/^aks-arm/);
    const registryUp = await fetch(`http://${registryHost}/v2/`);
    expect(registryUp.status).toBe(200);

    const stop = demo(['--down']);
    expect(await stop.exited, stop.stdout() + stop.stderr()).toBe(0);
    expect(stop.stdout()).toContain(`Stopping the archcheck demo (pid ${pid})`);
    expect(await d.exited).toBe(0);
    expect(existsSync(kubeconfig)).toBe(false);
    expect(existsSync(path.join(stateDir, 'demo.pid'))).toBe(false);
    expect(existsSync(path.join(stateDir, 'demo.env'))).toBe(false);
    await expect(fetch(`http://${registryHost}/v2/`)).rejects.toThrow();
    // --down with nothing running is not an error.
    const again = demo(['--down']);
    expect(await again.exited).toBe(0);
    expect(again.stdout()).toContain('No archcheck demo is running');
    console.log(`[e2e-demo] npm run demo, explore, --down took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 1_800_000);
});
