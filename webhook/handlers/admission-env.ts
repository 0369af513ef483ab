import type { ClusterFacts } from '../cluster-facts.js';
import type { ImageLookup } from '../images/image-lookup.js';
import type { PolicySettings } from '../policy/settings.js';

/** Everything a handler needs besides the request: the configured settings, the cluster, the image lookup. */
export interface AdmissionEnv {
  /** Settings as configured; allowed archs and arch taints are completed from the cluster per request (request-scope.ts). */
  settings: PolicySettings;
  cluster: ClusterFacts;
  /** The resolving part of ImageLookup (the decision log wraps it per request to see every image's answer). */
  images: Pick<ImageLookup, 'resolvePodImages'>;
}
