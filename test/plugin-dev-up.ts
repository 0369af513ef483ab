/** Dev aid: start the cluster + registry with the plugin scenario and keep them until SIGTERM. Not a test. */
import { writeFileSync } from 'node:fs';
import { startClusterSerialized } from './e2e/harness.js';
import { applyScenario, auditorKubeconfig } from './plugin-cluster-scenario.js';
import { pushStandardFixtures } from './registry/fixtures.js';
import { startRegistry } from './registry/registry.js';

const out = process.argv[2] ?? '/tmp/plugin-dev';
const reg = await startRegistry({ name: 'plugin-dev', auth: 'token' });
const fx = await pushStandardFixtures(reg, { bigManifest: false });
const cluster = await startClusterSerialized({ name: 'plugin-dev' });
await applyScenario(cluster, fx, reg);
writeFileSync(`${out}/auditor.kubeconfig`, await auditorKubeconfig(cluster));
writeFileSync(`${out}/env`, `KUBECONFIG=${cluster.kubeconfigPath}\nREGISTRY=${reg.host}\nKUBECTL=${cluster.binaries.kubectl}\n`);
process.stdout.write('READY\n');
const stop = async (): Promise<void> => {
  await cluster.stop();
  await reg.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
setInterval(() => undefined, 1 << 30);
