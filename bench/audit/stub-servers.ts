/**
 * Runs the benchmark's stand-ins in their own process, so serving them costs the measured process nothing:
 *   node --import tsx bench/audit/stub-servers.ts PODS IMAGES LATENCY_MS KUBECONFIG_PATH
 * Prints one JSON line {"registryHost": …, "images": …} when ready; runs until killed.
 */
import { writeFileSync } from 'node:fs';
import { startStubApiServer } from './stub-apiserver.js';
import { startStubRegistry } from './stub-registry.js';
import { benchImages, syntheticCluster } from './synthetic-cluster.js';

const [pods, imageCount, latency, kubeconfigPath] = process.argv.slice(2);
const placeholder = benchImages(Number(imageCount), 'HOST');
const registry = await startStubRegistry(placeholder, Number(latency));
const images = placeholder.map((i) => ({ ...i, ref: i.ref.replace('HOST', registry.host) }));
const api = await startStubApiServer(syntheticCluster({ images, pods: Number(pods), nodesPerArch: 25, namespaces: 20 }));
writeFileSync(kubeconfigPath!, api.kubeconfig);
process.stdout.write(`${JSON.stringify({ registryHost: registry.host, images: images.length })}\n`);
