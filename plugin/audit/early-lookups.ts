import type { PodSpec } from '../../core/placement/index.js';
import type { KubeObject } from '../inventory/inventory.js';
import { matchesLabels, type LabelRequirement } from '../kube/label-selector.js';
import { imageRequestsFor, type ImageLookups } from './image-lookup.js';
import type { WorkloadPullSecrets } from './pull-secrets.js';
import { templateSpec } from './workloads.js';

/** A pod template whose images can be looked up before the pods are read. */
export interface EarlyTemplate {
  namespace: string;
  template: PodSpec;
}

/**
 * The pod templates of workload objects that are workloads of their own (no owner: a ReplicaSet of a Deployment or
 * a Job of a CronJob rolls up into its owner) and that the label selector keeps. Their images are what the audit
 * will look up for these workloads, with credentials that only their pods could change (see
 * WorkloadPullSecrets.credentialsForTemplate). Objects of owned kinds are left to the audit: an old ReplicaSet's
 * template may name images or secrets its Deployment no longer does.
 */
export function earlyTemplates(objects: readonly KubeObject[], selector: readonly LabelRequirement[], defaultNamespace: string): EarlyTemplate[] {
  return objects.flatMap((o) => {
    if ((o.metadata?.ownerReferences ?? []).length > 0 || !matchesLabels(selector, o.metadata?.labels ?? {})) return [];
    const template = templateSpec(o);
    return template ? [{ namespace: o.metadata?.namespace ?? defaultNamespace, template }] : [];
  });
}

/**
 * Starts the lookups of workload templates while the rest of the cluster (the pods, read in pages) is still being
 * listed, into the ImageLookups the audit uses afterwards. A lookup is started only with the credential key the
 * audit will compute for the workload, so an early answer is used exactly when the audit would have asked the same
 * thing; nothing here reports or throws (a failure is met again, and reported, by the audit).
 */
export class EarlyLookups {
  constructor(
    private readonly lookups: Promise<ImageLookups | undefined>,
    private readonly secrets: WorkloadPullSecrets,
    private readonly selector: readonly LabelRequirement[],
    private readonly defaultNamespace: string,
  ) {}

  /** One workload resource's objects (with `kind` set), as soon as its list is read. */
  add(objects: readonly KubeObject[]): void {
    for (const t of earlyTemplates(objects, this.selector, this.defaultNamespace)) void this.lookUpTemplate(t).catch(() => undefined);
  }

  private async lookUpTemplate(t: EarlyTemplate): Promise<void> {
    const [lookups, creds] = await Promise.all([this.lookups, this.secrets.credentialsForTemplate(t.namespace, t.template)]);
    if (!lookups || !creds) return;
    for (const request of imageRequestsFor([t.template], creds)) void lookups.lookUp(request);
  }
}
