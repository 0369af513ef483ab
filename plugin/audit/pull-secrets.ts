import { decodePullSecret, type KeyedCredential } from '../../core/credentials.js';
import type { PodSpec } from '../../core/placement/index.js';
import type { KubeReader } from '../kube/kube-client.js';
import { isKubeAccessError } from '../kube/kube-errors.js';
import type { ReadGap } from '../inventory/inventory.js';
import type { Workload } from './workloads.js';

interface SecretJson {
  type?: string;
  data?: Record<string, string>;
}

interface ServiceAccountJson {
  imagePullSecrets?: Array<{ name?: string }>;
}

/** The credentials a workload's pods pull with, and the pull secrets that could not be read. */
export interface WorkloadCredentials {
  /** Stable identity of the set of secrets, for sharing lookups between workloads. */
  key: string;
  /** The pods' (or template's) own pull secrets. */
  credentials: KeyedCredential[];
  /** The ServiceAccount's, for a workload with no pods (admission merges them into pods), tried after `credentials`. */
  serviceAccountCredentials: KeyedCredential[];
  unreadable: ReadGap[];
}

function secretNames(spec: PodSpec): string[] {
  return (spec.imagePullSecrets ?? []).map((s) => s.name ?? '').filter(Boolean);
}

/**
 * Reads the pull secrets workloads use, as kubelet would: the pod's imagePullSecrets (into which admission
 * already merged the ServiceAccount's), or for a workload with no pods, its template's plus its ServiceAccount's.
 * Each secret and ServiceAccount is read once. Unreadable ones are reported, and the lookup goes on with the
 * local Docker credentials and anonymous access.
 */
export class WorkloadPullSecrets {
  private readonly secrets = new Map<string, Promise<KeyedCredential[] | ReadGap>>();
  /** Undefined: the ServiceAccount could not be read (other than not found). */
  private readonly serviceAccounts = new Map<string, Promise<string[] | undefined>>();

  constructor(private readonly kube: KubeReader) {}

  async credentialsFor(workload: Workload): Promise<WorkloadCredentials> {
    const own = new Set(secretNames(workload.template));
    for (const pod of workload.pods) for (const n of secretNames(pod.spec)) own.add(n);
    const fromServiceAccount = workload.pods.length === 0 ? ((await this.serviceAccountSecrets(workload.namespace, workload.template)) ?? []).filter((n) => !own.has(n)) : [];
    const ownSorted = [...own].sort();
    const saSorted = [...new Set(fromServiceAccount)].sort();
    const [ownResults, saResults] = await Promise.all([ownSorted, saSorted].map((names) => Promise.all(names.map((name) => this.secret(workload.namespace, name)))));
    const readable = (rs: (KeyedCredential[] | ReadGap)[]): KeyedCredential[] => rs.flatMap((r) => (Array.isArray(r) ? r : []));
    const all = [...ownResults!, ...saResults!];
    return {
      key: all.length === 0 ? '' : `${workload.namespace}:${ownSorted.join(',')}${saSorted.length > 0 ? `|sa:${saSorted.join(',')}` : ''}`,
      credentials: readable(ownResults!),
      serviceAccountCredentials: readable(saResults!),
      unreadable: all.filter((r): r is ReadGap => !Array.isArray(r)),
    };
  }

  /**
   * The credentials of a workload with this pod template whether or not it has pods, or undefined when they depend
   * on its pods. Pods carry the template's pull secrets, or, when it names none, the ServiceAccount's (admission
   * merges them in); a workload without pods gets the template's plus the ServiceAccount's. The two agree, and so
   * does the lookup key, exactly when the ServiceAccount adds no secret the template lacks.
   */
  async credentialsForTemplate(namespace: string, template: PodSpec): Promise<WorkloadCredentials | undefined> {
    const own = new Set(secretNames(template));
    const fromServiceAccount = await this.serviceAccountSecrets(namespace, template);
    if (!fromServiceAccount || fromServiceAccount.some((n) => !own.has(n))) return undefined;
    return this.credentialsFor({ kind: '', namespace, name: '', labels: {}, template, pods: [], desiredPods: 0 });
  }

  private serviceAccountSecrets(namespace: string, template: PodSpec): Promise<string[] | undefined> {
    const sa = (template.serviceAccountName as string | undefined) || 'default';
    const k = `${namespace}/${sa}`;
    let p = this.serviceAccounts.get(k);
    if (!p) {
      const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(sa)}`;
      p = this.kube
        .getJson<ServiceAccountJson>(path, `serviceaccount ${k}`)
        .then((s) => (s.imagePullSecrets ?? []).map((r) => r.name ?? '').filter(Boolean))
        // Not found: a workload without pods gets no secret from it (admission refuses pods naming a missing one).
        .catch((e: unknown) => (isKubeAccessError(e, 'not-found') ? [] : undefined));
      this.serviceAccounts.set(k, p);
    }
    return p;
  }

  private secret(namespace: string, name: string): Promise<KeyedCredential[] | ReadGap> {
    const k = `${namespace}/${name}`;
    let p = this.secrets.get(k);
    if (!p) {
      p = this.readSecret(namespace, name);
      this.secrets.set(k, p);
    }
    return p;
  }

  private async readSecret(namespace: string, name: string): Promise<KeyedCredential[] | ReadGap> {
    const what = `pull secret ${namespace}/${name}`;
    try {
      const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`;
      const secret = await this.kube.getJson<SecretJson>(path, what);
      return decodePullSecret(secret.data, what) ?? { what, namespace, message: `secret has no .dockerconfigjson (type ${secret.type ?? 'unknown'})` };
    } catch (e) {
      if (isKubeAccessError(e) && !['forbidden', 'not-found'].includes(e.failure)) throw e;
      return { what, namespace, message: (e as Error).message };
    }
  }
}
