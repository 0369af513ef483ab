/**
 * Placement: pure functions on plain Kubernetes JSON that decide which CPU architectures a pod can run on and
 * edit its scheduling constraints. Shared by the webhook (mutate/validate) and the plugin (audit).
 */
export * from './k8s-types.js';
export { podImages, distinctImages, podOS, type PodImage, type ContainerKind } from './pod-images.js';
export { matchImageOverride, findImageOverride, parseImageOverride, type ImageOverride } from './image-override.js';
export { podArchitectures, type PodArchitectures, type ImageArchitectures, type ResolvedPodImage, type ImageArchSource } from './pod-architectures.js';
export { archConstraint, constraintAllows, allowedByConstraint, describeArchConstraint, type ArchConstraint, type ArchTermConstraint } from './arch-constraint.js';
export { mergeArchAffinity, archRequirement, isArchRequirement } from './merge-arch-affinity.js';
export { toleratesTaint, tolerationForTaint, tolerationsFor, addTolerations, parseArchTaint, formatArchTaint, type ArchTaint } from './tolerations.js';
export { addPreferences, parseArchPreference, type ArchPreference } from './preferences.js';
export { nodeSelectorAdmits, type NodeIdentity } from './node-selector.js';
export { BLOCKING_EFFECTS, isTransientTaint, isPlacementTaint, untoleratedTaints, formatTaint } from './taint-rules.js';
export { FALLBACK_ARCHS, archReachability, nodeSetArchs, type PlacementNode, type NodeSet, type ArchReachability, type ArchExclusion } from './node-reachability.js';
export { assessPlacement, placementRisks, imagesLacking, imageArchFacts, type ImageArchFacts, type PlacementRisk, type PlacementAssessment } from './placement-risk.js';
