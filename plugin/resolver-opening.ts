import { ImageLookups } from './audit/image-lookup.js';
import type { ImageResolverHandle } from './image-resolver.js';

/** The audit's registry client and the one set of lookups every image of the audit goes through. */
export interface OpenedResolver {
  handle: ImageResolverHandle;
  lookups: ImageLookups;
}

/**
 * Opens the audit's registry client as soon as the cluster's nodes are read (platform verification needs their
 * platforms) instead of after the whole cluster is, so lookups can start while the pods are still being listed.
 */
export class ResolverOpening {
  /** The lookups once the client is open; undefined when it could not be opened or the audit gave up first. */
  readonly lookups: Promise<ImageLookups | undefined>;
  private settleLookups!: (lookups: ImageLookups | undefined) => void;
  private opened: Promise<OpenedResolver> | undefined;

  constructor(private readonly open: (nodePlatforms: string[]) => Promise<ImageResolverHandle>) {
    this.lookups = new Promise((resolve) => (this.settleLookups = resolve));
  }

  /** The client opened for these node platforms; only the first call opens it. */
  openFor(nodePlatforms: string[]): Promise<OpenedResolver> {
    if (!this.opened) {
      this.opened = this.open(nodePlatforms).then((handle) => ({ handle, lookups: new ImageLookups(handle.resolver) }));
      // Failing to open (an unusable --cache-dir) is reported by whoever awaits openFor after the cluster is read.
      this.opened.then((o) => this.settleLookups(o.lookups)).catch(() => this.settleLookups(undefined));
    }
    return this.opened;
  }

  /** When the audit stops before using the client (the cluster could not be read): closes it if it was opened. */
  async abandon(): Promise<void> {
    this.settleLookups(undefined);
    await this.opened?.then((o) => o.handle.close()).catch(() => undefined);
  }
}
