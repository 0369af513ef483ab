/** Registries most clusters pull from: always their own label value. */
const WELL_KNOWN_REGISTRIES = ['docker.io', 'registry-1.docker.io', 'ghcr.io', 'quay.io', 'gcr.io', 'registry.k8s.io', 'mcr.microsoft.com', 'public.ecr.aws', 'nvcr.io'];

/** Hosts beyond the configured and well-known ones that get their own label value; the rest are `other`. */
export const MAX_DYNAMIC_REGISTRY_LABELS = 20;

/**
 * The `registry` label of the registry metrics, with bounded cardinality. Host names come from image strings
 * (user input), so a hostile pod could name a new host per container. A host gets its own value when it is
 * configured (mirrors, CAs, insecure registries, cloud registry hosts) or well known, or — for the first
 * MAX_DYNAMIC_REGISTRY_LABELS others — once it has answered an HTTP request (a host that does not exist never
 * answers). Everything else is `other`.
 */
export class RegistryHostLabels {
  private readonly fixed: Set<string>;
  private readonly dynamic = new Set<string>();

  constructor(configured: readonly string[] = []) {
    this.fixed = new Set([...WELL_KNOWN_REGISTRIES, ...configured.map((h) => h.toLowerCase())]);
  }

  /** Hosts the registry settings name (core's `openRegistryClient` reports them, parsed): their own value from now on. */
  addConfigured(hosts: readonly string[]): void {
    for (const h of hosts) this.fixed.add(h.toLowerCase());
  }

  /** The label for a host that sent an HTTP answer (`answered`) or failed before one. */
  forRequest(host: string, answered: boolean): string {
    const h = host.toLowerCase();
    if (this.fixed.has(h) || this.dynamic.has(h)) return h;
    if (answered && this.dynamic.size < MAX_DYNAMIC_REGISTRY_LABELS) {
      this.dynamic.add(h);
      return h;
    }
    return 'other';
  }

  /** The label for a host seen only in an image string: never admits a new host. */
  forImage(host: string): string {
    const h = host.toLowerCase();
    return this.fixed.has(h) || this.dynamic.has(h) ? h : 'other';
  }
}
