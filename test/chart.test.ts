/**
 * The Helm chart without a cluster: lint, render every ci/*-values.yaml, schema and render-time checks, the
 * webhook's own config parser on every rendered config file, determinism, and the committed manifests.
 * Against a real API server: test/chart-cluster.test.ts.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { configSchema, loadConfig } from '../webhook/config.js';
import { CHART_DIR, REPO_ROOT, ensureHelm, parseManifests, render, renderText, runHelm, templateArgs, type K8sObject, type RenderOptions } from './helm.js';

const CI_DIR = path.join(CHART_DIR, 'ci');
const CI_FILES = readdirSync(CI_DIR)
  .filter((f) => f.endsWith('-values.yaml'))
  .sort();
/** Config keys the chart sets from other values (the rest come 1:1 from .Values.config). */
const CHART_OWNED_KEYS = [
  'listen',
  'metricsListen',
  'certMode',
  'tlsCertFile',
  'tlsPrivateKeyFile',
  'namespace',
  'serviceName',
  'certSecret',
  'mutatingWebhookConfiguration',
  'validatingWebhookConfiguration',
  'registryConfig',
  'kubeconfig',
  'clientCAFile',
];
const OLD_KUBE = '1.27.0'; // before matchConditions (1.28) and the preStop sleep action (1.30)

let helm: string;
let scratch: string;
beforeAll(async () => {
  helm = await ensureHelm();
  scratch = mkdtempSync(path.join(tmpdir(), 'archcheck-chart-'));
}, 900_000);
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const ci = (name: string): string => path.join(CI_DIR, name);
const find = (objs: K8sObject[], kind: string, name?: string): K8sObject | undefined =>
  objs.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
function get(objs: K8sObject[], kind: string, name?: string): K8sObject {
  const o = find(objs, kind, name);
  if (!o) throw new Error(`no ${kind}${name ? ` ${name}` : ''} in ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
}
// Rendered objects are untyped YAML: tests walk them as `any`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const spec = (o: K8sObject): Any => o as Any;

async function renderError(opts: RenderOptions): Promise<string> {
  try {
    await render(helm, opts);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`render succeeded but should have failed: ${JSON.stringify(opts)}`);
}

function renderedConfig(objs: K8sObject[]): Record<string, unknown> {
  const cm = get(objs, 'ConfigMap', 'archcheck-config');
  return parseYaml((cm as Any).data['config.yaml']) as Record<string, unknown>;
}

describe('helm lint', () => {
  for (const file of [undefined, ...CI_FILES]) {
    it(`passes for ${file ?? 'default values'}`, async () => {
      const args = ['lint', CHART_DIR, '--strict', '--kube-version', '1.35.0', ...(file ? ['--values', ci(file)] : [])];
      const r = await runHelm(helm, args);
      expect(r.stderr + r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(r.code).toBe(0);
    });
  }
});

describe('helm template', () => {
  it('finds the ci values files the issue asks for', () => {
    for (const name of ['aks-workload-identity', 'cert-manager', 'enforce', 'custom-taints']) {
      expect(CI_FILES).toContain(`${name}-values.yaml`);
    }
  });

  for (const file of [undefined, ...CI_FILES]) {
    for (const kubeVersion of [undefined, OLD_KUBE]) {
      it(`renders ${file ?? 'default values'} on Kubernetes ${kubeVersion ?? 'of the test cluster'} deterministically`, async () => {
        const opts: RenderOptions = { valuesFiles: file ? [ci(file)] : [], ...(kubeVersion && { kubeVersion }) };
        const first = await renderText(helm, opts);
        const second = await renderText(helm, opts);
        expect(second).toBe(first); // GitOps (Flux, Argo CD) must see no drift between renders
        expect(parseManifests(first).length).toBeGreaterThan(8);
      });
    }
  }
});

describe('memory follows the cache sizes', () => {
  const container = async (setJson: Record<string, unknown>): Promise<Any> => spec(get(await render(helm, { setJson }), 'Deployment')).spec.template.spec.containers[0];

  it('derives request and limit from config.*CacheMiB, and keeps what resources sets explicitly', async () => {
    const defaults = await container({});
    expect(defaults.env).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=189 --max-semi-space-size=4' });
    // glibc returns freed memory from 64 KiB (decision 0041).
    expect(defaults.env).toContainEqual({ name: 'MALLOC_TRIM_THRESHOLD_', value: '65536' });
    expect(defaults.env).toContainEqual({ name: 'MALLOC_MMAP_THRESHOLD_', value: '65536' });
    const bigger = await container({ 'config.contentCacheMiB': 256 });
    expect(bigger.resources).toEqual({ requests: { cpu: '100m', memory: '349Mi' }, limits: { memory: '493Mi' } });
    expect(bigger.env).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=381 --max-semi-space-size=4' });
    expect((await container({ 'resources.limits': { memory: '1Gi' }, 'resources.requests': { cpu: '50m', memory: '200Mi' } })).resources).toEqual({
      requests: { cpu: '50m', memory: '200Mi' },
      limits: { memory: '1Gi' },
    });
  });

  it('rejects a cache size the webhook would refuse, at render time', async () => {
    await expect(render(helm, { setJson: { 'config.tokenCacheMiB': 0 } })).rejects.toThrow(/tokenCacheMiB/);
  });
});

describe('the webhook config file (one schema for flags, env, file and Helm values)', () => {
  it('maps every key of webhook/config.ts either to .Values.config or to a value the chart derives it from', () => {
    const values = parseYaml(readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) as { config: Record<string, unknown> };
    const userKeys = Object.keys(values.config);
    const schemaKeys = Object.keys(configSchema);
    expect([...userKeys, ...CHART_OWNED_KEYS].sort()).toEqual([...schemaKeys].sort());
    expect(userKeys.filter((k) => CHART_OWNED_KEYS.includes(k))).toEqual([]);
  });

  it('keeps the webhook defaults as chart defaults (helm install and the bare binary behave the same)', () => {
    const values = parseYaml(readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) as { config: Record<string, unknown> };
    // Where the chart knows more than the bare binary: a gate needs the controller, which needs API access (the
    // chart always has it); the Lease is named after the release.
    const chartDefaults: Record<string, string> = { onUnresolved: 'gate', leaseName: '', reconcile: 'true' };
    for (const [key, value] of Object.entries(values.config)) {
      const s = configSchema[key as keyof typeof configSchema];
      if (key in chartDefaults) expect(String(value), key).toBe(chartDefaults[key]);
      else if (s.kind === 'list') expect(value, key).toEqual([]);
      else expect(String(value), key).toBe(s.defaultText);
    }
  });

  it('values.schema.json describes exactly the user config keys', () => {
    const schema = JSON.parse(readFileSync(path.join(CHART_DIR, 'values.schema.json'), 'utf8')) as Any;
    const values = parseYaml(readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) as { config: Record<string, unknown> };
    expect(Object.keys(schema.properties.config.properties).sort()).toEqual(Object.keys(values.config).sort());
    expect(schema.properties.config.additionalProperties).toBe(false);
  });

  for (const file of [undefined, ...CI_FILES]) {
    it(`is accepted by the webhook's own parser for ${file ?? 'default values'}`, async () => {
      const objs = await render(helm, { valuesFiles: file ? [ci(file)] : [] });
      const cm = get(objs, 'ConfigMap', 'archcheck-config');
      const configPath = path.join(scratch, `${file ?? 'default'}.config.yaml`);
      writeFileSync(configPath, (cm as Any).data['config.yaml'] as string);
      const rendered = renderedConfig(objs);
      for (const key of Object.keys(rendered)) expect(Object.keys(configSchema), `rendered key ${key}`).toContain(key);
      // The same call the container makes: archcheck-webhook --config /etc/archcheck/config.yaml (no env).
      const config = loadConfig(['--config', configPath], {});
      expect(config.namespace).toBe('archcheck');
      const deployment = find(objs, 'Deployment');
      if (!deployment) return; // dev.externalURL: the webhook runs outside the cluster
      const container = spec(deployment).spec.template.spec.containers[0];
      expect(container.args).toEqual(['--config', '/etc/archcheck/config.yaml']);
      expect(config.listen.port).toBe(container.ports[0].containerPort);
      if (config.certMode === 'file') {
        const mount = container.volumeMounts.find((m: Any) => m.name === 'tls');
        expect(mount.mountPath).toBe(path.dirname(config.tlsCertFile));
        expect(mount.subPath).toBeUndefined(); // subPath mounts never see renewed certificates
      } else {
        expect(config.certSecret).toBe(get(objs, 'Secret').metadata.name);
        expect(config.serviceName).toBe(get(objs, 'Service').metadata.name);
        expect(config.mutatingWebhookConfiguration).toBe(get(objs, 'MutatingWebhookConfiguration').metadata.name);
        expect(config.validatingWebhookConfiguration).toBe(find(objs, 'ValidatingWebhookConfiguration')?.metadata.name ?? '');
      }
    });
  }
});

describe('registry values', () => {
  it('azureWorkloadIdentity with an empty cloudAuth switches the azure identity on; an explicit cloudAuth wins', async () => {
    expect(renderedConfig(await render(helm, { valuesFiles: [ci('aks-workload-identity-values.yaml')] })).cloudAuth).toEqual(['azure']);
    expect(renderedConfig(await render(helm, {})).cloudAuth).toEqual([]);
    const explicit = await render(helm, { valuesFiles: [ci('aks-workload-identity-values.yaml')], setJson: { 'config.cloudAuth': ['auto'] } });
    expect(renderedConfig(explicit).cloudAuth).toEqual(['auto']);
  });

  it('registryTLS: CA bundles and hosts.toml are mounted where config.registryCAs and registryHostsDir point', async () => {
    const objs = await render(helm, { valuesFiles: [ci('private-registries-values.yaml')] });
    const config = renderedConfig(objs) as { registryCAs: string[]; registryHostsDir: string };
    const container = spec(get(objs, 'Deployment')).spec.template.spec.containers[0];
    const mount = container.volumeMounts.find((m: Any) => m.name === 'registry-tls');
    const volume = spec(get(objs, 'Deployment')).spec.template.spec.volumes.find((v: Any) => v.name === 'registry-tls');
    const cm = get(objs, 'ConfigMap', 'archcheck-registry-tls') as Any;
    const files = new Map<string, string>((volume.configMap.items as { key: string; path: string }[]).map((i) => [`${mount.mountPath}/${i.path}`, cm.data[i.key] as string]));
    expect(config.registryCAs).toHaveLength(1);
    const [host, file] = config.registryCAs[0]!.split('=') as [string, string];
    expect(host).toBe('registry.internal.example.com:5000');
    expect(files.get(file)).toContain('-----BEGIN CERTIFICATE-----');
    expect(files.get(`${config.registryHostsDir}/ghcr.io/hosts.toml`)).toContain('server = "https://ghcr.io"');
    expect(spec(get(objs, 'Deployment')).spec.template.metadata.annotations['checksum/registry-tls']).toMatch(/^[0-9a-f]{64}$/);
    expect(container.volumeMounts.map((m: Any) => m.name)).toContain('corp-ca');
  });

  it('refuses registryTLS.hostsToml together with config.registryHostsDir', async () => {
    const message = await renderError({ valuesFiles: [ci('private-registries-values.yaml')], setJson: { 'config.registryHostsDir': '/etc/containerd/certs.d' } });
    expect(message).toMatch(/registryTLS.hostsToml and config.registryHostsDir/);
  });
});

describe('clientAuth (mTLS from the API server)', () => {
  it('mounts the CA bundle as a directory where config.clientCAFile points, and probes the plain-HTTP port', async () => {
    for (const source of [{ secretName: 'apiserver-client-ca' }, { configMapName: 'apiserver-client-ca' }]) {
      const objs = await render(helm, { setJson: { clientAuth: { enabled: true, caBundle: { ...source, key: 'bundle.pem' } } } });
      const config = renderedConfig(objs) as { clientCAFile: string; metricsListen: string };
      const pod = spec(get(objs, 'Deployment')).spec.template.spec;
      const container = pod.containers[0];
      const mount = container.volumeMounts.find((m: Any) => m.name === 'client-ca');
      const volume = pod.volumes.find((v: Any) => v.name === 'client-ca');
      expect(mount).toEqual({ name: 'client-ca', mountPath: '/etc/archcheck/client-ca', readOnly: true }); // no subPath: rotations arrive
      const items = (volume.secret ?? volume.configMap).items as { key: string; path: string }[];
      expect(volume.secret?.secretName ?? volume.configMap?.name).toBe('apiserver-client-ca');
      expect(`${mount.mountPath}/${items[0]!.path}`).toBe(config.clientCAFile);
      expect(items[0]!.key).toBe('bundle.pem');
      // kubelet presents no client certificate: every probe goes to the metrics port, which serves them over HTTP.
      const metricsPort = container.ports.find((p: Any) => p.name === 'metrics').containerPort;
      expect(config.metricsListen).toBe(`0.0.0.0:${metricsPort}`);
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(container[probe].httpGet).toMatchObject({ port: 'metrics', scheme: 'HTTP' });
    }
  });

  it('is off by default: no client CA in the config, nothing mounted', () => {
    return render(helm).then((objs) => {
      expect(renderedConfig(objs).clientCAFile).toBeUndefined();
      expect(spec(get(objs, 'Deployment')).spec.template.spec.volumes.map((v: Any) => v.name)).not.toContain('client-ca');
    });
  });

  const failures: [string, Record<string, unknown>, RegExp][] = [
    ['no CA source', { 'clientAuth.enabled': true }, /needs exactly one of clientAuth.caBundle.secretName or clientAuth.caBundle.configMapName/],
    ['both CA sources', { 'clientAuth.enabled': true, 'clientAuth.caBundle.secretName': 'a', 'clientAuth.caBundle.configMapName': 'b' }, /exactly one of/],
    ['no metrics port for the probes', { 'clientAuth.enabled': true, 'clientAuth.caBundle.secretName': 'a', 'metrics.port': 0 }, /clientAuth.enabled needs metrics.port/],
    ['a Secret name that is not an object name', { 'clientAuth.enabled': true, 'clientAuth.caBundle.secretName': 'Client CA' }, /secretName/],
  ];
  for (const [what, setJson, message] of failures) {
    it(`fails on ${what}, saying what to change`, async () => {
      expect(await renderError({ setJson })).toMatch(message);
    });
  }
});

describe('charts/archcheck/README.md', () => {
  it('documents every top-level value', () => {
    const values = parseYaml(readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<string, unknown>;
    const readme = readFileSync(path.join(CHART_DIR, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Values'));
    for (const key of Object.keys(values)) expect(table, key).toContain(`\`${key}\``);
  });
});

describe('values.schema.json', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['a typo at the top level', { replicas: 3 }, /additional properties 'replicas' not allowed/],
    ['a typo in config', { 'config.mdoe': 'warn' }, /additional properties 'mdoe' not allowed/],
    ['a typo in admission', { 'admission.failurPolicy': 'Fail' }, /additional properties 'failurPolicy' not allowed/],
    ['a string for a number', { replicaCount: '3' }, /replicaCount.*(got string, want integer|expected integer)/],
    ['a number for a boolean', { 'aks.disableAdmissionsEnforcer': 1 }, /disableAdmissionsEnforcer/],
    ['an unknown failure policy', { 'admission.failurePolicy': 'Never' }, /failurePolicy/],
    ['an unknown mode', { 'config.mode': 'enforce' }, /mode/],
    ['a timeout over 30 s', { 'admission.timeoutSeconds': 31 }, /timeoutSeconds/],
    ['a malformed arch taint', { 'config.archTaints': ['arm64:NoSchedule'] }, /archTaints/],
    ['a preference weight over 100', { 'config.prefer': ['arm64=101'] }, /prefer/],
    ['an unknown certs mode', { 'certs.mode': 'vault' }, /mode/],
    ['a malformed duration', { 'config.resolveTimeout': 'three seconds' }, /resolveTimeout/],
  ];
  for (const [what, setJson, message] of cases) {
    it(`rejects ${what}`, async () => {
      expect(await renderError({ setJson })).toMatch(message);
    });
  }
});

describe('templates/validate.yaml refuses impossible combinations', () => {
  const cases: [string, RenderOptions, RegExp][] = [
    ['installing into kube-system', { namespace: 'kube-system' }, /do not install into "kube-system"/],
    ['installing into kube-node-lease', { namespace: 'kube-node-lease' }, /do not install into/],
    ['a PDB with 1 replica', { setJson: { replicaCount: 1 } }, /podDisruptionBudget.enabled with replicaCount=1/],
    ['minAvailable >= replicas', { setJson: { replicaCount: 2, 'podDisruptionBudget.minAvailable': 2 } }, /must be lower than replicaCount/],
    [
      'failurePolicy Fail with 1 replica',
      { setJson: { replicaCount: 1, 'podDisruptionBudget.enabled': false, 'admission.failurePolicy': 'Fail' } },
      /failurePolicy=Fail with replicaCount=1/,
    ],
    [
      'validating Fail with 1 replica',
      { setJson: { replicaCount: 1, 'podDisruptionBudget.enabled': false, 'admission.validating': { enabled: true, failurePolicy: 'Fail', timeoutSeconds: 5 } } },
      /validating.failurePolicy=Fail/,
    ],
    ['resolveTimeout not below the webhook timeout', { setJson: { 'config.resolveTimeout': '5s' } }, /must be below admission.timeoutSeconds=5/],
    ['resolveTimeout over 29 s', { setJson: { 'config.resolveTimeout': '1m' } }, /between 100ms and 29s/],
    ['drain longer than the grace period', { setJson: { 'config.drainTimeout': '40s' } }, /terminationGracePeriodSeconds=30/],
    ['existingSecret without a name', { setJson: { 'certs.mode': 'existingSecret' } }, /needs certs.existingSecret.name/],
    ['existingSecret without a CA', { setJson: { 'certs.mode': 'existingSecret', 'certs.existingSecret.name': 'x' } }, /needs certs.existingSecret.caBundle/],
    ['an http external URL', { setJson: { 'dev.externalURL': 'http://127.0.0.1:9443', 'dev.caBundle': 'QQ==' } }, /must start with https/],
    ['an external URL without a CA', { setJson: { 'dev.externalURL': 'https://127.0.0.1:9443' } }, /needs dev.caBundle/],
    ['workload identity without a client ID', { setJson: { 'registryAuth.azureWorkloadIdentity.enabled': true } }, /needs registryAuth.azureWorkloadIdentity.clientId/],
    ['an existing ServiceAccount without a name', { setJson: { 'serviceAccount.create': false } }, /needs serviceAccount.name/],
  ];
  for (const [what, opts, message] of cases) {
    it(`fails on ${what}, saying what to change`, async () => {
      expect(await renderError(opts)).toMatch(message);
    });
  }
});

describe('default values', () => {
  let objs: K8sObject[];
  beforeAll(async () => {
    objs = await render(helm);
  });

  it('runs 3 replicas under the restricted Pod Security Standard, spread over nodes and zones, on both archs', () => {
    const d = spec(get(objs, 'Deployment', 'archcheck'));
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    const pod = d.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    const c = pod.containers[0];
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    });
    // Memory derived from the cache sizes (64+8+8+8+4 MiB + 1 MiB host state = 93Mi): +64Mi request, +208Mi limit.
    expect(c.resources.requests).toEqual({ cpu: '100m', memory: '157Mi' });
    expect(c.resources.limits).toEqual({ memory: '301Mi' });
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(pod.topologySpreadConstraints[0].topologyKey).toBe('topology.kubernetes.io/zone');
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0]).toEqual({
      key: 'kubernetes.io/arch',
      operator: 'In',
      values: ['amd64', 'arm64'],
    });
    expect(pod.tolerations).toContainEqual({ key: 'kubernetes.io/arch', operator: 'Equal', value: 'arm64', effect: 'NoSchedule' });
    expect(pod.priorityClassName).toBeUndefined();
    expect(pod.enableServiceLinks).toBe(false);
  });

  it('probes over HTTPS: startup and liveness on /healthz, readiness on /readyz', () => {
    const c = spec(get(objs, 'Deployment')).spec.template.spec.containers[0];
    expect(c.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'https', scheme: 'HTTPS' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'https', scheme: 'HTTPS' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'https', scheme: 'HTTPS' });
    expect(c.lifecycle.preStop.sleep.seconds).toBe(5);
  });

  it('rolls the pods when the config changes (checksum), not on every render', async () => {
    const checksum = (o: K8sObject[]): string => spec(get(o, 'Deployment')).spec.template.metadata.annotations['checksum/config'];
    expect(checksum(objs)).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(await render(helm))).toBe(checksum(objs));
    expect(checksum(await render(helm, { setJson: { 'config.mode': 'warn' } }))).not.toBe(checksum(objs));
  });

  it('keeps a PodDisruptionBudget of minAvailable 1 that never blocks drains on unhealthy pods', () => {
    expect(spec(get(objs, 'PodDisruptionBudget')).spec).toMatchObject({ minAvailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  });

  it('grants least privilege: nodes and namespaces read, Secrets get only (never list/watch), own objects by name', () => {
    const rules = objs.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role').flatMap((r) => spec(r).rules.map((rule: Any) => ({ kind: r.kind, ...rule })));
    expect(rules).toContainEqual({ kind: 'ClusterRole', apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] });
    expect(rules).toContainEqual({ kind: 'ClusterRole', apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] });
    expect(rules).toContainEqual({ kind: 'ClusterRole', apiGroups: [''], resources: ['secrets'], verbs: ['get'] });
    expect(rules).toContainEqual({ kind: 'ClusterRole', apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get'] });
    // Events through events.k8s.io only (the core group's events are never granted), by the webhook and the
    // release-gates hook alike.
    const eventRules = rules.filter((r) => r.resources.includes('events'));
    expect(eventRules.length).toBeGreaterThan(0);
    for (const r of eventRules) expect(r).toEqual({ kind: 'ClusterRole', apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] });
    expect(rules).toContainEqual({ kind: 'Role', apiGroups: [''], resources: ['secrets'], resourceNames: ['archcheck-tls'], verbs: ['get', 'update', 'patch'] });
    expect(rules).toContainEqual({
      kind: 'ClusterRole',
      apiGroups: ['admissionregistration.k8s.io'],
      resources: ['mutatingwebhookconfigurations'],
      resourceNames: ['archcheck'],
      verbs: ['get', 'patch', 'update'],
    });
    for (const r of rules) {
      if (r.resources.includes('secrets')) expect(r.verbs).not.toContain('list');
      if (r.resources.includes('secrets')) expect(r.verbs).not.toContain('watch');
      expect(r.verbs).not.toContain('*');
      expect(r.resources).not.toContain('*');
      if (r.apiGroups.includes('admissionregistration.k8s.io')) expect(r.resourceNames?.length).toBeGreaterThan(0);
    }
    // Writes name their object, except creating Secrets in the release namespace (RBAC cannot name what is created)
    // the gate controller's (its own test below): it places pods in any namespace, and Events (about objects in any
    // namespace, checked above).
    const gateResources = ['pods', 'pods/eviction', 'events', 'leases'];
    const others = rules.filter((r) => !r.resources.some((x: string) => gateResources.includes(x)));
    const written = others.filter((r) => r.verbs.some((v: string) => ['update', 'patch', 'delete'].includes(v)));
    for (const r of written) expect(r.resourceNames?.length, JSON.stringify(r)).toBeGreaterThan(0);
    expect(others.filter((r) => r.verbs.includes('create'))).toEqual([{ kind: 'Role', apiGroups: [''], resources: ['secrets'], verbs: ['create'] }]);
    // Nothing deletes, except the uninstall hook removing archcheck's own webhook configuration, by name.
    expect(rules.filter((r) => r.verbs.includes('delete'))).toEqual([{ kind: 'ClusterRole', apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], resourceNames: ['archcheck'], verbs: ['delete'] }]);
  });

  it('grants the gate controller (the default) pod writes, Events and its Lease; evictions only when something evicts; the reconciler alone reads pods; nothing with both off', async () => {
    const rulesOf = (rendered: Any[]): Any[] => rendered.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role').flatMap((r) => spec(r).rules.map((rule: Any) => ({ kind: r.kind, ...rule })));
    const rules = rulesOf(objs);
    const events = { kind: 'ClusterRole', apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] };
    const lease = { kind: 'Role', apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] };
    const eviction = { kind: 'ClusterRole', apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] };
    for (const g of [{ kind: 'ClusterRole', apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'update', 'patch'] }, events, lease]) expect(rules).toContainEqual(g);
    expect(rules).not.toContainEqual(eviction);
    // Nothing deletes, except the uninstall hook removing archcheck's own webhook configuration, by name.
    expect(rules.filter((r) => r.verbs.includes('delete'))).toEqual([{ kind: 'ClusterRole', apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], resourceNames: ['archcheck'], verbs: ['delete'] }]);
    for (const set of [{ 'config.gateDenied': 'evict' }, { 'config.reconcileEvictBroken': true }]) expect(rulesOf(await render(helm, { setJson: set })), JSON.stringify(set)).toContainEqual(eviction);
    const reconcileOnly = rulesOf(await render(helm, { setJson: { 'config.onUnresolved': 'allow' } }));
    expect(reconcileOnly.filter((r) => r.resources.includes('pods'))).toEqual([{ kind: 'ClusterRole', apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    expect(reconcileOnly).toContainEqual(lease);
    const neither = rulesOf(await render(helm, { setJson: { 'config.onUnresolved': 'allow', 'config.reconcile': false } }));
    expect(neither.filter((r) => r.resources.includes('pods') || r.resources.includes('leases'))).toEqual([]);
  });

  it('releases every gate before uninstall: a pre-delete hook Job running release-gates under its own minimal RBAC, deleted when it succeeds; only with the gate', async () => {
    const hooks = objs.filter((o) => spec(o).metadata.annotations?.['helm.sh/hook'] === 'pre-delete');
    expect(hooks.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['ClusterRole/archcheck-release-gates', 'ClusterRoleBinding/archcheck-release-gates', 'Job/archcheck-release-gates', 'ServiceAccount/archcheck-release-gates']);
    for (const h of hooks) expect(spec(h).metadata.annotations['helm.sh/hook-delete-policy']).toBe('before-hook-creation,hook-succeeded');
    // RBAC and ServiceAccount exist before the Job runs.
    expect(hooks.filter((h) => h.kind !== 'Job').every((h) => Number(spec(h).metadata.annotations['helm.sh/hook-weight']) < Number(spec(get(objs, 'Job')).metadata.annotations['helm.sh/hook-weight']))).toBe(true);
    expect(spec(get(objs, 'ClusterRole', 'archcheck-release-gates')).rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'update'] },
      { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], resourceNames: ['archcheck'], verbs: ['delete'] },
    ]);
    const pod = spec(get(objs, 'Job', 'archcheck-release-gates')).spec.template.spec;
    expect(pod.serviceAccountName).toBe('archcheck-release-gates');
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].args).toEqual(['release-gates', '--delete-webhook-configuration', 'archcheck', '--log-level', 'info']);
    expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    for (const set of [{ 'config.onUnresolved': 'allow' }, { 'uninstallHook.enabled': false }]) {
      expect((await render(helm, { setJson: set })).filter((o) => spec(o).metadata.annotations?.['helm.sh/hook']), JSON.stringify(set)).toEqual([]);
    }
  });

  it('creates the self-mode certificate Secret empty, so Helm owns (and uninstall deletes) it and upgrades never touch its data', () => {
    const secret = spec(get(objs, 'Secret', 'archcheck-tls'));
    expect(secret.data).toBeUndefined();
    expect(secret.stringData).toBeUndefined();
  });

  it('registers the mutating webhook as the issue says, with no caBundle in the template', () => {
    const m = spec(get(objs, 'MutatingWebhookConfiguration', 'archcheck'));
    expect(m.metadata.annotations).toEqual({ 'admissions.enforcer/disabled': 'true' });
    expect(m.webhooks).toHaveLength(1);
    const w = m.webhooks[0];
    expect(w).toMatchObject({
      admissionReviewVersions: ['v1'],
      sideEffects: 'NoneOnDryRun', // Events are written, never on a dry run
      matchPolicy: 'Equivalent',
      reinvocationPolicy: 'IfNeeded',
      failurePolicy: 'Ignore',
      timeoutSeconds: 5,
      clientConfig: { service: { name: 'archcheck', namespace: 'archcheck', path: '/mutate', port: 443 } },
    });
    expect(w.clientConfig.caBundle).toBeUndefined(); // the webhook patches it; Helm must never reset it
    expect(w.rules).toEqual([
      { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' },
      { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['pods/ephemeralcontainers'], scope: 'Namespaced' },
      { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['daemonsets'], scope: 'Namespaced' },
    ]);
    expect(w.namespaceSelector.matchExpressions).toEqual([
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'kube-public', 'kube-node-lease', 'archcheck'] },
      { key: 'archcheck.dev/ignore', operator: 'NotIn', values: ['true'] },
    ]);
    expect(w.objectSelector).toBeUndefined();
    expect(w.matchConditions.map((c: Any) => c.name)).toEqual(['skip-bound-pods', 'skip-daemonset-pods']);
    expect(find(objs, 'ValidatingWebhookConfiguration')).toBeUndefined();
  });

  it('leaves matchConditions out for API servers older than 1.28', async () => {
    const old = await render(helm, { kubeVersion: OLD_KUBE });
    expect(spec(get(old, 'MutatingWebhookConfiguration')).webhooks[0].matchConditions).toBeUndefined();
    expect(spec(get(old, 'Deployment')).spec.template.spec.containers[0].lifecycle).toBeUndefined();
  });

  it('excludes the release namespace, whatever it is called, and config.excludedNamespaces', async () => {
    const o = await render(helm, { namespace: 'platform-archcheck', setJson: { 'config.excludedNamespaces': ['monitoring'] } });
    const w = spec(get(o, 'MutatingWebhookConfiguration')).webhooks[0];
    expect(w.namespaceSelector.matchExpressions[0].values).toEqual(['kube-system', 'kube-public', 'kube-node-lease', 'platform-archcheck', 'monitoring']);
    expect(renderedConfig(o).excludedNamespaces).toEqual(['monitoring']);
    expect(get(o, 'MutatingWebhookConfiguration').metadata.name).toBe('archcheck');
  });

  it('turns the AKS admissions enforcer opt-out off on request', async () => {
    const o = await render(helm, { setJson: { 'aks.disableAdmissionsEnforcer': false } });
    expect(get(o, 'MutatingWebhookConfiguration').metadata.annotations).toBeUndefined();
  });

  it('drops every Secret permission outside its own namespace when registryAuth.podPullSecrets is off', async () => {
    const o = await render(helm, { setJson: { 'registryAuth.podPullSecrets': false } });
    const clusterRules = o.filter((x) => x.kind === 'ClusterRole').flatMap((r) => spec(r).rules);
    expect(clusterRules.some((r: Any) => r.resources.includes('secrets') || r.resources.includes('serviceaccounts'))).toBe(false);
  });
});

describe('ci values', () => {
  it('aks-workload-identity: ServiceAccount client-id annotation and pod label', async () => {
    const o = await render(helm, { valuesFiles: [ci('aks-workload-identity-values.yaml')] });
    expect(get(o, 'ServiceAccount').metadata.annotations).toEqual({
      'azure.workload.identity/client-id': '2b4f3c9e-8a1d-4e6f-9b7a-1c2d3e4f5a6b',
      'azure.workload.identity/tenant-id': '72f988bf-86f1-41af-91ab-2d7cd011db47',
    });
    const d = spec(get(o, 'Deployment'));
    expect(d.spec.template.metadata.labels['azure.workload.identity/use']).toBe('true');
    expect(d.spec.template.spec.priorityClassName).toBe('system-cluster-critical');
    expect(d.spec.template.spec.containers[0].image).toBe(
      'ghcr.io/archcheck/archcheck@sha256:0000000000000000000000000000000000000000000000000000000000000000',
    );
  });

  it('cert-manager: own CA chain, serving Certificate for the Service names, inject-ca-from, files mounted', async () => {
    const o = await render(helm, { valuesFiles: [ci('cert-manager-values.yaml')] });
    expect(o.filter((x) => x.kind === 'Issuer').map((x) => x.metadata.name)).toEqual(['archcheck-selfsigned', 'archcheck-ca']);
    const cert = spec(get(o, 'Certificate', 'archcheck'));
    expect(cert.spec.dnsNames).toEqual(['archcheck', 'archcheck.archcheck', 'archcheck.archcheck.svc']);
    expect(cert.spec.secretName).toBe('archcheck-tls');
    expect(cert.spec.issuerRef).toEqual({ name: 'archcheck-ca', kind: 'Issuer', group: 'cert-manager.io' });
    const m = get(o, 'MutatingWebhookConfiguration');
    expect(m.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBe('archcheck/archcheck');
    expect(spec(m).webhooks[0].clientConfig.caBundle).toBeUndefined();
    expect(find(o, 'Secret')).toBeUndefined(); // cert-manager writes it
    expect(o.filter((x) => x.kind === 'ClusterRole').map((x) => x.metadata.name)).not.toContain('archcheck-webhook-configurations');
    const volumes = spec(get(o, 'Deployment')).spec.template.spec.volumes;
    expect(volumes).toContainEqual({ name: 'tls', secret: { secretName: 'archcheck-tls' } });
  });

  it('cert-manager with an existing issuer: no chart CA', async () => {
    const o = await render(helm, { valuesFiles: [ci('cert-manager-issuer-values.yaml')] });
    expect(find(o, 'Issuer')).toBeUndefined();
    expect(spec(get(o, 'Certificate')).spec.issuerRef).toEqual({ name: 'corp-internal-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' });
  });

  it('enforce: validating webhook on final pods and workload templates, fail closed', async () => {
    const o = await render(helm, { valuesFiles: [ci('enforce-values.yaml')] });
    const v = spec(get(o, 'ValidatingWebhookConfiguration', 'archcheck'));
    expect(v.webhooks[0]).toMatchObject({ failurePolicy: 'Fail', timeoutSeconds: 10, clientConfig: { service: { path: '/validate' } } });
    expect(v.webhooks[0].rules.flatMap((r: Any) => r.resources).sort()).toEqual(
      ['cronjobs', 'daemonsets', 'deployments', 'jobs', 'pods', 'replicasets', 'statefulsets'].sort(),
    );
    expect(v.webhooks[0].matchConditions.map((c: Any) => c.name)).toEqual(['skip-bound-and-daemonset-pods', 'skip-archcheck-operators']);
    expect(spec(get(o, 'MutatingWebhookConfiguration')).webhooks[0].failurePolicy).toBe('Fail');
    expect(renderedConfig(o).validatingWebhookConfiguration).toBe('archcheck');
    const roles = o.filter((x) => x.kind === 'ClusterRole').flatMap((r) => spec(r).rules);
    expect(roles).toContainEqual(expect.objectContaining({ resources: ['validatingwebhookconfigurations'], resourceNames: ['archcheck'] }));
    expect(spec(get(o, 'Deployment')).spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
  });

  it('custom-taints: arch taints in the config, tolerations on the webhook, selectors, registry secret mounted', async () => {
    const o = await render(helm, { valuesFiles: [ci('custom-taints-values.yaml')] });
    expect(renderedConfig(o).archTaints).toEqual(['arm64=node-role.vos/arm_controller=true:NoSchedule']);
    expect(renderedConfig(o).registryConfig).toBe('/etc/archcheck/registry/config.json');
    const pod = spec(get(o, 'Deployment')).spec.template.spec;
    expect(pod.tolerations).toContainEqual({ key: 'node-role.vos/arm_controller', operator: 'Equal', value: 'true', effect: 'NoSchedule' });
    expect(pod.volumes).toContainEqual({ name: 'registry-auth', secret: { secretName: 'archcheck-registry', items: [{ key: '.dockerconfigjson', path: 'config.json' }] } });
    const w = spec(get(o, 'MutatingWebhookConfiguration')).webhooks[0];
    expect(w.namespaceSelector.matchExpressions[0].values).toEqual(['kube-system', 'kube-public', 'kube-node-lease', 'archcheck', 'monitoring', 'istio-system']);
    expect(w.namespaceSelector.matchExpressions[2]).toEqual({ key: 'team', operator: 'NotIn', values: ['platform'] });
    expect(w.objectSelector).toEqual({ matchExpressions: [{ key: 'archcheck.dev/ignore', operator: 'NotIn', values: ['true'] }] });
  });

  it('existing-secret: caBundle from the value, Secret mounted, no certificate RBAC', async () => {
    const o = await render(helm, { valuesFiles: [ci('existing-secret-values.yaml')] });
    const w = spec(get(o, 'MutatingWebhookConfiguration')).webhooks[0];
    expect(w.clientConfig.caBundle).toMatch(/^LS0tLS1CRUdJTi/);
    expect(find(o, 'Role', 'archcheck')).toBeUndefined();
    expect(spec(get(o, 'Deployment')).spec.template.spec.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'archcheck-serving-cert' } });
  });

  it('dev-external-url: the API server calls the URL with the given CA; no pods in the cluster', async () => {
    const o = await render(helm, { valuesFiles: [ci('dev-external-url-values.yaml')] });
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget']) expect(find(o, kind), kind).toBeUndefined();
    expect(find(o, 'ServiceAccount')).toBeDefined();
    const w = spec(get(o, 'MutatingWebhookConfiguration')).webhooks[0];
    expect(w.clientConfig.url).toBe('https://127.0.0.1:9443/mutate');
    expect(w.clientConfig.service).toBeUndefined();
    expect(w.clientConfig.caBundle).toMatch(/^LS0tLS1CRUdJTi/);
  });
});

describe('NOTES.txt', () => {
  // `helm install --dry-run` needs a reachable cluster; `helm template` does not print NOTES. So render NOTES.txt
  // through an extra template in a copy of the chart (every file under templates/ is a named template).
  let chartCopy: string;
  beforeAll(() => {
    chartCopy = path.join(scratch, 'notes-chart');
    cpSync(CHART_DIR, chartCopy, { recursive: true });
    writeFileSync(
      path.join(chartCopy, 'templates', 'zz-notes.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ include "archcheck/templates/NOTES.txt" . | toJson }}\n',
    );
  });
  const notes = async (setJson: Record<string, unknown>): Promise<string> => {
    const args = templateArgs({ setJson });
    args[2] = chartCopy;
    const r = await runHelm(helm, [...args, '--show-only', 'templates/zz-notes.yaml']);
    expect(r.code, r.stderr).toBe(0);
    return (parseYaml(r.stdout) as { data: { notes: string } }).data.notes;
  };

  it('says what was installed and how to check it, without warnings for the defaults', async () => {
    const text = await notes({});
    expect(text).toContain('MutatingWebhookConfiguration archcheck');
    expect(text).toContain('kubectl archcheck');
    expect(text).toContain('admissions.enforcer/disabled');
    expect(text).not.toContain('WARNING');
  });

  it('warns about 1 replica and about failurePolicy Fail', async () => {
    expect(await notes({ replicaCount: 1, 'podDisruptionBudget.enabled': false })).toMatch(/WARNING: replicaCount=1/);
    expect(await notes({ 'admission.failurePolicy': 'Fail' })).toMatch(/WARNING: failurePolicy Fail[\s\S]*kubectl delete mutatingwebhookconfiguration\/archcheck/);
  });
});

describe('manifests/archcheck.yaml', () => {
  it('is the chart rendered with default values (run `npm run manifests` after changing the chart)', async () => {
    const { execFileSync } = await import('node:child_process');
    const fresh = execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'render-manifests.sh'), '--stdout'], {
      encoding: 'utf8',
      env: { ...process.env, HELM: helm },
    });
    const committed = readFileSync(path.join(REPO_ROOT, 'manifests', 'archcheck.yaml'), 'utf8');
    expect(committed === fresh, 'manifests/archcheck.yaml is stale: run `npm run manifests`').toBe(true);
    const objs = parseManifests(committed);
    expect(objs[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'archcheck' } });
    expect(objs.at(-1)?.kind).toBe('MutatingWebhookConfiguration'); // applied after the Deployment it calls
  });
});
