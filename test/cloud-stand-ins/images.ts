import { buildImage, buildIndex, descriptorOf, type ConfigPlatform } from '../registry/oci.js';
import { PushClient } from '../registry/push-client.js';
import type { TestRegistry } from '../registry/registry.js';

/**
 * Pushes `repository:tag` straight to a harness registry (as its default user): one platform gives a single-arch
 * image, several give an index whose entries carry their platforms.
 */
export async function pushImage(registry: TestRegistry, repository: string, tag: string, platforms: ConfigPlatform[]): Promise<void> {
  const client = new PushClient({ url: registry.url, ...(registry.credentials && { credentials: registry.credentials }), dispatcher: registry.dispatcher });
  try {
    const images = platforms.map((p) => buildImage(p));
    if (images.length === 1) {
      await client.pushImage(repository, images[0]!, tag);
      return;
    }
    for (const image of images) await client.pushImage(repository, image);
    const index = buildIndex(images.map((image, i) => ({ ...descriptorOf(image), platform: platforms[i]! })));
    await client.pushManifest(repository, tag, index);
  } finally {
    await client.close();
  }
}

export const AMD64: ConfigPlatform = { os: 'linux', architecture: 'amd64' };
export const ARM64: ConfigPlatform = { os: 'linux', architecture: 'arm64' };
