import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateMetrics } from '../webhook/gate/gate-metrics.js';
import { fakeCluster } from '../webhook/testing/fake-cluster.js';
import { loadFixture } from '../webhook/testing/fixtures.js';
import { startTestServer, type TestServer } from '../webhook/testing/test-server.js';
import { CHART_DIR, ensureHelm, render, renderText, type K8sObject } from './helm.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** archcheck and controller-runtime metric names a PromQL expression reads (histogram series mapped to their metric). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b((?:archcheck|controller_runtime)_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''));
}

describe('chart observability: ServiceMonitor, PrometheusRule, Grafana dashboard', () => {
  let helm: string;
  let server: TestServer;
  let exported: Set<string>;
  let objects: K8sObject[];
  beforeAll(async () => {
    helm = await ensureHelm();
    objects = await render(helm, { setJson: { 'serviceMonitor.enabled': true, 'prometheusRule.enabled': true, 'dashboard.enabled': true, 'config.onUnresolved': 'gate' } });
    // The names the webhook really exports: a real server's /metrics after one admission, plus the gate controller's.
    server = await startTestServer({ cluster: fakeCluster({ nodes: { amd: 'amd64', arm: 'arm64' } }) });
    expect((await server.post('/mutate', loadFixture('pod-create-deployment.json'))).status).toBe(200);
    const page = await (await server.get('/metrics')).text();
    const gate = new Registry();
    createGateMetrics(gate);
    exported = new Set([...page.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!).concat((await gate.getMetricsAsJSON()).map((m) => m.name)));
  }, 900_000);
  afterAll(async () => server?.close());

  const find = (kind: string): Any => objects.find((o) => o.kind === kind);

  it('dashboard JSON parses, ships in a ConfigMap with the sidecar label, and every query names exported metrics', () => {
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-dashboard')) as Any;
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    const dashboard = JSON.parse(cm.data['archcheck.json'] as string) as { panels: { title: string; targets: { expr: string }[] }[] };
    expect(dashboard).toEqual(JSON.parse(readFileSync(path.join(CHART_DIR, 'dashboards', 'archcheck.json'), 'utf8')));
    expect(dashboard.panels.map((p) => p.title)).toEqual(expect.arrayContaining(['Decisions per second', 'p99 admission latency', 'Unresolved image lookups by registry', 'Cache hit ratio']));
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const names = metricsIn(target.expr);
        expect(names.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        for (const name of names) expect(exported, `${panel.title}: ${name}`).toContain(name);
      }
    }
  });

  it('PrometheusRule renders and its expressions reference exported metrics (and the scrape job of the ServiceMonitor)', () => {
    const rules = find('PrometheusRule').spec.groups[0].rules as { alert: string; expr: string }[];
    expect(rules.map((r) => r.alert)).toEqual([
      'ArchcheckWebhookDown',
      'ArchcheckAdmissionErrors',
      'ArchcheckUnresolvedRate',
      'ArchcheckCertificateExpiring',
      'ArchcheckRegistryRateLimited',
      'ArchcheckServingStaleAnswers',
      'ArchcheckGatedPodsPilingUp',
      'ArchcheckEscapedPodsBroken',
    ]);
    for (const rule of rules) for (const name of metricsIn(rule.expr)) expect(exported, `${rule.alert}: ${name}`).toContain(name);
    for (const rule of rules.filter((r) => r.alert !== 'ArchcheckWebhookDown')) expect(metricsIn(rule.expr).length, rule.alert).toBeGreaterThan(0);
    expect(rules[0]!.expr).toContain('job="archcheck"');
    const monitor = find('ServiceMonitor');
    expect(monitor.spec.endpoints[0].port).toBe('metrics');
    const service = find('Service');
    expect(service.metadata.name).toBe('archcheck');
    expect(service.spec.ports.map((p: Any) => p.name)).toContain('metrics');
  });

  it('leaves the gated-pods alert out unless the gate is on, the escaped-pods alert unless the reconciler is on, and renders none of these by default', async () => {
    const alerts = async (onUnresolved: string): Promise<string[]> => {
      const objects = await render(helm, { setJson: { 'prometheusRule.enabled': true, 'config.onUnresolved': onUnresolved } });
      return ((objects.find((o) => o.kind === 'PrometheusRule') as Any).spec.groups[0].rules as { alert: string }[]).map((r) => r.alert);
    };
    expect(await alerts('allow')).not.toContain('ArchcheckGatedPodsPilingUp');
    expect(await alerts('gate')).toContain('ArchcheckGatedPodsPilingUp');
    const withoutReconciler = await render(helm, { setJson: { 'prometheusRule.enabled': true, 'config.reconcile': false } });
    expect(((withoutReconciler.find((o) => o.kind === 'PrometheusRule') as Any).spec.groups[0].rules as { alert: string }[]).map((r) => r.alert)).not.toContain('ArchcheckEscapedPodsBroken');
    const defaults = await render(helm);
    expect(defaults.map((o) => o.kind)).not.toEqual(expect.arrayContaining(['ServiceMonitor']));
    expect(defaults.some((o) => o.kind === 'PrometheusRule' || o.metadata.name.endsWith('-dashboard'))).toBe(false);
  });

  it('refuses a ServiceMonitor without the metrics port, saying what to set', async () => {
    await expect(renderText(helm, { setJson: { 'serviceMonitor.enabled': true, 'metrics.port': 0 } })).rejects.toThrow(/serviceMonitor.enabled needs metrics.port/);
  });
});

describe('chart NetworkPolicy', () => {
  it('admits the API server CIDRs to the admission port and the scrapers to the metrics port, nothing else', async () => {
    const helm = await ensureHelm();
    const objects = await render(helm, { setJson: { 'networkPolicy.enabled': true, 'networkPolicy.apiServerCIDRs': ['10.0.0.1/32'], 'networkPolicy.metricsFrom': [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] } });
    const policy = objects.find((o) => o.kind === 'NetworkPolicy') as Any;
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress).toEqual([
      { ports: [{ port: 'https', protocol: 'TCP' }], from: [{ ipBlock: { cidr: '10.0.0.1/32' } }] },
      { ports: [{ port: 'metrics', protocol: 'TCP' }], from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] },
    ]);
    const deployment = objects.find((o) => o.kind === 'Deployment') as Any;
    expect(policy.spec.podSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(deployment.spec.template.spec.containers[0].ports.map((p: Any) => p.name)).toEqual(['https', 'metrics']);
    expect((await render(helm)).some((o) => o.kind === 'NetworkPolicy')).toBe(false);
  });

  it('rejects an API server address that is not a CIDR', async () => {
    const helm = await ensureHelm();
    await expect(renderText(helm, { setJson: { 'networkPolicy.apiServerCIDRs': ['kubernetes.default'] } })).rejects.toThrow(/apiServerCIDRs/);
  });
});

describe('chart values: quantities', () => {
  it.each([['128Mi'], ['100m'], ['0.5'], ['1Gi']])('accepts resources quantity %s', async (q) => {
    const helm = await ensureHelm();
    await expect(renderText(helm, { setJson: { 'resources.limits': { memory: q } } })).resolves.toMatch(new RegExp(`memory: "?${q.replace(".", "\\.")}"?\\n`));
  });
  it.each([['128MB'], ['lots'], ['-1Gi']])('rejects resources quantity %s, naming the value', async (q) => {
    const helm = await ensureHelm();
    await expect(renderText(helm, { setJson: { 'resources.limits': { memory: q } } })).rejects.toThrow(/resources/);
  });
});
