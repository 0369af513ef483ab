import type { ArchTaint, PlacementNode, Taint } from '../../core/placement/index.js';

export interface NodeRecord {
  name: string;
  arch: string | undefined;
  /** `kubernetes.io/os`; linux when unlabelled. */
  os?: string;
  labels?: Record<string, string>;
  taints: Taint[];
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

  /** The labelled nodes for core's placement model; undefined while archs() is. */
  placementNodes(): PlacementNode[] | undefined {
    if (this.archs() === undefined) return undefined;
    const out: PlacementNode[] = [];
    for (const n of this.nodes.values()) {
      if (n.arch) out.push({ name: n.name, arch: n.arch, os: n.os ?? 'linux', labels: n.labels ?? { 'kubernetes.io/arch': n.arch }, taints: n.taints });
    }
    return out;
  }
}
