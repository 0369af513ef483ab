import { FALLBACK_ARCHS } from '../../core/placement/index.js';
import type { AdmissionRequest } from '../admission/review.js';
import { isMode, NAMESPACE_MODE_LABEL, type Mode, type PolicySettings } from '../policy/settings.js';
import type { AdmissionEnv } from './admission-env.js';

/** Where one request is decided: its namespace, the mode there, and the settings completed by discovery. */
export interface RequestScope {
  namespace: string;
  mode: Mode;
  /** The one settings shape (webhook/policy/settings.ts), with allowed archs and arch taints completed per request. */
  settings: PolicySettings;
}

/** Configured settings completed by discovery: node archs as allowed archs (else FALLBACK_ARCHS), discovered arch taints. */
export function effectiveSettings(env: AdmissionEnv): PolicySettings {
  const configured = env.settings;
  const allowedArchs = configured.allowedArchs.length > 0 ? configured.allowedArchs : (env.cluster.nodeArchs() ?? [...FALLBACK_ARCHS]);
  const discovered = env.cluster.discoveredArchTaints();
  return { ...configured, allowedArchs, archTaints: discovered.length > 0 ? [...configured.archTaints, ...discovered] : configured.archTaints };
}

/** The namespace comes from the request: pods made from generateName may carry none in their metadata yet. */
export async function requestScope(request: AdmissionRequest, env: AdmissionEnv): Promise<RequestScope> {
  const object = request.object as { metadata?: { namespace?: unknown } } | undefined;
  const fromObject = typeof object?.metadata?.namespace === 'string' ? object.metadata.namespace : '';
  const namespace = request.namespace || fromObject;
  const settings = effectiveSettings(env);
  const labels = namespace ? await env.cluster.namespaceLabels(namespace) : undefined;
  const label = labels?.[NAMESPACE_MODE_LABEL];
  return { namespace, settings, mode: isMode(label) ? label : settings.mode };
}
