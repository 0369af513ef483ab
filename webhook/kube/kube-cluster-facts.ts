import { CoreV1Api, makeInformer, type Informer, type KubeConfig, type V1Namespace, type V1Node, type V1NodeList } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KeyedCredential } from '../../core/credentials.js';
import type { ArchTaint, PlacementNode, Taint } from '../../core/placement/index.js';
import { TtlCache } from '../../core/registry/cache.js';
import type { ClusterFacts } from '../cluster-facts.js';
import { apiErrorMessage } from './api-errors.js';
import { NodeInventory, type NodeRecord } from './node-inventory.js';
import { PullSecretCache } from './pull-secrets.js';

const RESTART_DELAY_MS = 5_000;
const SA_TTL_MS = 30_000;

function nodeRecord(node: V1Node): NodeRecord {
  return {
    name: node.metadata?.name ?? '',
    arch: node.metadata?.labels?.['kubernetes.io/arch'],
    os: node.metadata?.labels?.['kubernetes.io/os'] ?? node.status?.nodeInfo?.operatingSystem ?? 'linux',
    labels: { ...node.metadata?.labels },
    taints: (node.spec?.taints ?? []).map((t): Taint => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect })),
  };
}

/**
 * ClusterFacts from the API: nodes and namespaces through watches (informers, restarted after errors), pull secrets
 * and ServiceAccounts through short-lived cached reads. RBAC: nodes/namespaces list+watch, secrets and
 * serviceaccounts get.
 */
export class KubeClusterFacts implements ClusterFacts {
  private readonly core: CoreV1Api;
  private readonly inventory = new NodeInventory();
  private readonly namespaces = new Map<string, Record<string, string>>();
  private readonly secrets: PullSecretCache;
  private readonly serviceAccounts = new TtlCache<string[]>(5_000);
  private readonly informers: Informer<V1Node | V1Namespace>[] = [];
  private stopped = false;

  constructor(
    kubeConfig: KubeConfig,
    private readonly logger: Logger,
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.secrets = new PullSecretCache(this.core, logger);
    const listNodes = async (): Promise<V1NodeList> => {
      const list = await this.core.listNode();
      this.inventory.replaceAll(list.items.map(nodeRecord));
      return list;
    };
    const nodes = makeInformer<V1Node>(kubeConfig, '/api/v1/nodes', listNodes);
    nodes.on('add', (n) => this.inventory.upsert(nodeRecord(n)));
    nodes.on('update', (n) => this.inventory.upsert(nodeRecord(n)));
    nodes.on('delete', (n) => this.inventory.remove(n.metadata?.name ?? ''));
    const namespaces = makeInformer<V1Namespace>(kubeConfig, '/api/v1/namespaces', () => this.core.listNamespace());
    const keep = (ns: V1Namespace): void => void this.namespaces.set(ns.metadata?.name ?? '', ns.metadata?.labels ?? {});
    namespaces.on('add', keep);
    namespaces.on('update', keep);
    namespaces.on('delete', (ns) => this.namespaces.delete(ns.metadata?.name ?? ''));
    this.informers.push(nodes as Informer<V1Node | V1Namespace>, namespaces as Informer<V1Node | V1Namespace>);
  }

  /** Starts the watches; resolves after the first lists or their first failure (then configured/fallback values apply until a retry works). */
  async start(): Promise<void> {
    await Promise.all(this.informers.map((informer, i) => this.startInformer(informer, i === 0 ? 'nodes' : 'namespaces')));
  }

  /** Whether the node list has been read at least once. */
  nodesSynced(): boolean {
    return this.inventory.archs() !== undefined;
  }

  private async startInformer(informer: Informer<V1Node | V1Namespace>, what: string): Promise<void> {
    informer.on('error', (err: unknown) => {
      if (this.stopped) return;
      this.logger.warn({ watch: what, error: apiErrorMessage(err) }, 'watch failed; restarting in 5s');
      setTimeout(() => {
        if (!this.stopped) informer.start().catch((e: unknown) => this.logger.warn({ watch: what, error: apiErrorMessage(e) }, 'watch restart failed'));
      }, RESTART_DELAY_MS).unref();
    });
    try {
      await informer.start();
    } catch (e) {
      this.logger.warn({ watch: what, error: apiErrorMessage(e) }, 'watch start failed');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.informers.map((i) => i.stop().catch(() => undefined)));
  }

  nodeArchs(): string[] | undefined {
    return this.inventory.archs();
  }

  discoveredArchTaints(): ArchTaint[] {
    return this.inventory.archKeyedTaints();
  }

  nodes(): readonly PlacementNode[] | undefined {
    return this.inventory.placementNodes();
  }

  async nodeArch(nodeName: string): Promise<string | undefined> {
    const known = this.inventory.get(nodeName);
    if (known) return known.arch;
    try {
      return nodeRecord(await this.core.readNode({ name: nodeName })).arch;
    } catch (e) {
      this.logger.warn({ node: nodeName, error: apiErrorMessage(e) }, 'node lookup failed');
      return undefined;
    }
  }

  namespaceLabels(namespace: string): Promise<Record<string, string> | undefined> {
    return Promise.resolve(this.namespaces.get(namespace));
  }

  async serviceAccountPullSecretNames(namespace: string, serviceAccount: string): Promise<string[]> {
    const key = `${namespace}/${serviceAccount}`;
    const cached = this.serviceAccounts.get(key);
    if (cached) return cached;
    let names: string[] = [];
    try {
      const sa = await this.core.readNamespacedServiceAccount({ name: serviceAccount, namespace });
      names = (sa.imagePullSecrets ?? []).map((s) => s.name).filter((n): n is string => !!n);
    } catch (e) {
      this.logger.debug({ serviceAccount: key, error: apiErrorMessage(e) }, 'service account lookup failed');
    }
    this.serviceAccounts.set(key, names, SA_TTL_MS);
    return names;
  }

  pullSecrets(namespace: string, names: readonly string[]): Promise<KeyedCredential[]> {
    return this.secrets.credentials(namespace, names);
  }
}
