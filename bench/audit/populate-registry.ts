/** Pushes the benchmark's images into a real registry: multi-arch OCI indexes and single-arch Docker v2 images. */
import { FixtureBuilder } from '../../test/registry/fixtures.js';
import type { TestRegistry } from '../../test/registry/registry.js';
import { benchImages, type SyntheticImage } from './synthetic-cluster.js';


const linux = (architecture: string): { os: string; architecture: string } => ({ os: 'linux', architecture });

/** Pushes the benchmark's images (at most `concurrency` at a time) and returns their references, written with `refHost`. */
export async function populateRegistry(registry: TestRegistry, count: number, refHost: string, concurrency = 16): Promise<SyntheticImage[]> {
  const builder = new FixtureBuilder(registry, { refHost });
  const images = benchImages(count, refHost);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < images.length) {
      const i = next++;
      const kind = images[i]!.kind;
      const spec =
        kind === 'multi'
          ? { kind: 'index' as const, format: 'oci' as const, entries: [{ node: { kind: 'image' as const, config: linux('amd64') } }, { node: { kind: 'image' as const, config: linux('arm64') } }] }
          : { kind: 'image' as const, format: 'docker' as const, config: linux(kind) };
      await builder.push(`bench/app-${i}`, `1.0.${i}`, spec);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await builder.close();
  return images;
}
