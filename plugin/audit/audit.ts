import type { ImageInfo } from '../../core/image-info.js';
import type { ImageResolver } from '../../core/resolver.js';
import { gapWarnings } from '../inventory/gap-warnings.js';
import type { ReadGap } from '../inventory/inventory.js';
import type { PlacementModel } from './arch-reachability.js';
import { imageRequestsFor, lookUpImages, type ImageAnswers, type ImageLookups, type ImageRequest, type ProgressListener } from './image-lookup.js';
import type { WorkloadCredentials } from './pull-secrets.js';
import { AUDIT_API_VERSION, type AuditReport } from './report.js';
import { summarize, unresolvedImages } from './summary.js';
import { workloadReport } from './workload-report.js';
import type { Workload } from './workloads.js';

export interface AuditInput {
  workloads: readonly Workload[];
  placement: PlacementModel;
  resolver: ImageResolver;
  /** Lookups already under way for this audit (started while the cluster was read): their answers are used, not asked again. */
  lookups?: ImageLookups;
  targetArch: string;
  source: 'cluster' | 'manifests';
  /** The pull secrets of a workload (cluster mode); without it, only the resolver's own credentials are used. */
  credentialsFor?: (w: Workload) => Promise<WorkloadCredentials>;
  warnings?: string[];
  onProgress?: ProgressListener;
}

const NO_CREDENTIALS: WorkloadCredentials = { key: '', credentials: [], serviceAccountCredentials: [], unreadable: [] };
const AUTH_FAILURES = new Set(['UNAUTHORIZED', 'DENIED']);

function imageRequests(workload: Workload, creds: WorkloadCredentials): ImageRequest[] {
  return imageRequestsFor([workload.template, ...workload.pods.map((p) => p.spec)], creds);
}

/** An auth failure says which of the workload's pull secrets could not be read, since that is the likely cause. */
function withSecretProblems(info: ImageInfo | undefined, unreadable: readonly ReadGap[]): ImageInfo | undefined {
  if (!info?.error || unreadable.length === 0 || !AUTH_FAILURES.has(info.error.code)) return info;
  const why = unreadable.map((g) => `${g.what}: ${g.message}`).join('; ');
  return { ...info, error: { ...info.error, message: `${info.error.message} (could not use ${why})` } };
}

/**
 * The audit: resolve every distinct image once (with the pull secrets of the workloads using it), then judge each
 * workload against the placement model. Workload judgement is pure (see workload-report.ts).
 */
export async function runAudit(input: AuditInput): Promise<AuditReport> {
  const credentials = await Promise.all(input.workloads.map((w) => (input.credentialsFor ? input.credentialsFor(w) : NO_CREDENTIALS)));
  const requests = input.workloads.flatMap((w, n) => imageRequests(w, credentials[n]!));
  const answers: ImageAnswers = await lookUpImages(input.lookups ?? input.resolver, requests, input.onProgress);
  const ctx = { placement: input.placement, targetArch: input.targetArch, source: input.source };
  const workloads = input.workloads.map((w, n) => {
    const creds = credentials[n]!;
    return workloadReport(w, (image) => withSecretProblems(answers.get(image, creds.key), creds.unreadable), ctx);
  });
  const secretGaps = credentials.flatMap((c) => c.unreadable);
  return {
    apiVersion: AUDIT_API_VERSION,
    kind: 'AuditReport',
    source: input.source,
    clusterArchs: input.placement.archs('linux'),
    workloads,
    summary: summarize(workloads, input.targetArch),
    unresolvedImages: unresolvedImages(workloads),
    warnings: [...(input.warnings ?? []), ...gapWarnings(secretGaps)],
  };
}
