/**
 * Chart.yaml metadata and the PriorityClass quota, rendered: the icon is docs/archcheck-icon.svg (one source),
 * kubeVersion is declared, system-critical PriorityClasses bring their ResourceQuota, and the gate default refuses
 * Kubernetes versions without scheduling gates. The quota's effect on a real API server: test/chart-cluster.test.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CHART_DIR, REPO_ROOT, ensureHelm, render, type K8sObject } from './helm.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

let helm: string;
beforeAll(async () => {
  helm = await ensureHelm();
}, 900_000);

const chart = parseYaml(readFileSync(path.join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Record<string, string>;
const quotas = (objs: K8sObject[]): Any[] => objs.filter((o) => o.kind === 'ResourceQuota');

describe('Chart.yaml', () => {
  it('icon: docs/archcheck-icon.svg as a data: URI (no public URL exists to host it)', () => {
    const svg = readFileSync(path.join(REPO_ROOT, 'docs', 'archcheck-icon.svg'));
    expect(chart.icon).toBe(`data:image/svg+xml;base64,${svg.toString('base64')}`);
  });

  it('declares kubeVersion, and no home or sources (the project has no public URL)', () => {
    expect(chart.kubeVersion).toBe('>=1.25.0-0');
    expect(chart.home).toBeUndefined();
    expect(chart.sources).toBeUndefined();
  });
});

describe('priorityClassName', () => {
  it.each(['system-cluster-critical', 'system-node-critical'])('%s: a ResourceQuota scoped to it in the release namespace, room for a rolling update', async (priorityClassName) => {
    const q = quotas(await render(helm, { setJson: { priorityClassName, replicaCount: 3 } }));
    expect(q).toHaveLength(1);
    expect(q[0].metadata).toMatchObject({ name: `archcheck-${priorityClassName}`, namespace: 'archcheck' });
    expect(q[0].spec).toEqual({ hard: { pods: '8' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: [priorityClassName] }] } });
  });

  it.each(['', 'platform-high'])('%j: no quota (classes you create need none)', async (priorityClassName) => {
    expect(quotas(await render(helm, { setJson: { priorityClassName } }))).toEqual([]);
  });
});

describe('kubeVersion and the gate', () => {
  it('config.onUnresolved gate (the default) on Kubernetes 1.26: the render fails saying what to set', async () => {
    await expect(render(helm, { kubeVersion: '1.26.0' })).rejects.toThrow(/config\.onUnresolved=gate needs Kubernetes >= 1\.27 .* Set config\.onUnresolved=allow \(or deny\)/);
  });

  it('allow renders on 1.25, the oldest kubeVersion allows', async () => {
    expect((await render(helm, { kubeVersion: '1.25.0', setJson: { 'config.onUnresolved': 'allow' } })).length).toBeGreaterThan(0);
  });
});
