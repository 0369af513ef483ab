import type { KubeReader } from './kube-client.js';

/** A Kubernetes list response: only what paging needs. */
interface ListPage<T> {
  items?: T[];
  metadata?: { continue?: string };
}

/** Page size: big enough to keep round trips few, small enough for the API server's memory (kubectl uses 500). */
export const LIST_PAGE_SIZE = 500;

export interface ListTarget {
  /** `/api/v1` or `/apis/apps/v1` */
  groupVersion: string;
  /** `pods`, `deployments` */
  resource: string;
  /** Undefined: every namespace (or a cluster-scoped resource). */
  namespace?: string;
}

export function listPath(target: ListTarget): string {
  const ns = target.namespace ? `/namespaces/${encodeURIComponent(target.namespace)}` : '';
  return `${target.groupVersion}${ns}/${target.resource}`;
}

export function describeTarget(target: ListTarget): string {
  return target.namespace ? `${target.resource} in namespace ${target.namespace}` : `${target.resource} (all namespaces)`;
}

/** Lists every object of a resource, following `continue` tokens so large clusters are read in pages. */
export async function listAll<T>(kube: KubeReader, target: ListTarget, pageSize = LIST_PAGE_SIZE): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const query = new URLSearchParams({ limit: String(pageSize) });
    if (token) query.set('continue', token);
    const page = await kube.getJson<ListPage<T>>(`${listPath(target)}?${query.toString()}`, describeTarget(target));
    items.push(...(page.items ?? []));
    token = page.metadata?.continue || undefined;
  } while (token);
  return items;
}
