import type { ArchTaint, Taint } from '../../core/placement/index.js';

export interface NodeRecord {
  name: string;
  arch: string | undefined;
  taints: Taint[];
}

const BLOCKING = new Set(['NoSchedule', 'NoExecute']);
/** Taints the node lifecycle controller and cloud providers set and clear on their own: not a property of a pool. */
const TRANSIENT_PREFIXES = ['node.kubernetes.io/', 'node.cloudprovider.kubernetes.io/', 'ToBeDeletedByClusterAutoscaler', 'DeletionCandidateOfClusterAutoscaler'];

function isTransient(taint: Taint): boolean {
  return TRANSIENT_PREFIXES.some((p) => taint.key.startsWith(p));
}

function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && (a.value ?? '') === (b.value ?? '') && a.effect === b.effect;
}

/** What the webhook keeps of each node (arch label, taints) and the facts derived from them. Pure; fed by a watch. */
export class NodeInventory {
  private readonly nodes = new Map<string, NodeRecord>();
  private synced = false;

  upsert(node: NodeRecord): void {
    this.nodes.set(node.name, node);
  }

  remove(name: string): void {
    this.nodes.delete(name);
  }

  replaceAll(nodes: NodeRecord[]): void {
    this.nodes.clear();
    for (const n of nodes) this.nodes.set(n.name, n);
    this.synced = true;
  }

  get(name: string): NodeRecord | undefined {
    return this.nodes.get(name);
  }

  /** Sorted archs of known nodes; undefined before the first list or with no labelled node. */
  archs(): string[] | undefined {
    if (!this.synced) return undefined;
    const archs = [...new Set([...this.nodes.values()].map((n) => n.arch).filter((a): a is string => !!a))].sort();
    return archs.length > 0 ? archs : undefined;
  }

  /** Taints keyed `kubernetes.io/arch` on any node, attributed to that node's arch (AKS: `kubernetes.io/arch=arm64:NoSchedule`). */
  archKeyedTaints(): ArchTaint[] {
    const out: ArchTaint[] = [];
    for (const n of this.nodes.values()) {
      if (!n.arch) continue;
      for (const taint of n.taints) {
        if (taint.key !== 'kubernetes.io/arch') continue;
        if (!out.some((o) => o.arch === n.arch && sameTaint(o.taint, taint))) out.push({ arch: n.arch, taint });
      }
    }
    return out;
  }

  /** Blocking, non-transient taints carried by every node of an arch. */
  poolTaints(): ArchTaint[] {
    const byArch = new Map<string, NodeRecord[]>();
    for (const n of this.nodes.values()) if (n.arch) byArch.set(n.arch, [...(byArch.get(n.arch) ?? []), n]);
    const out: ArchTaint[] = [];
    for (const [arch, nodes] of byArch) {
      const [first, ...rest] = nodes;
      for (const taint of first?.taints ?? []) {
        if (!BLOCKING.has(taint.effect) || isTransient(taint)) continue;
        if (rest.every((n) => n.taints.some((t) => sameTaint(t, taint)))) out.push({ arch, taint });
      }
    }
    return out;
  }
}
