/**
 * Start the default mixed amd64/arm64 test cluster and keep it until Ctrl-C / SIGTERM.
 *
 *   node --import tsx test/cluster/up.ts [--name NAME]
 *
 * Progress goes to stderr; stdout gets machine-readable lines once the cluster is ready:
 *   KUBECONFIG=/tmp/archcheck-cluster-XXXX/kwok/clusters/archcheck/kubeconfig.yaml
 *   SERVER=https://127.0.0.1:PORT
 *   KUBECTL=/root/.cache/archcheck/bin/kubernetes-vX.Y.Z/kubectl
 * then "READY". Builds the binaries first if they are missing (slow the first time).
 */
import { parseArgs } from 'node:util';
import { startCluster, type TestCluster } from './cluster.js';

const { values } = parseArgs({
  options: { name: { type: 'string', default: 'archcheck' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help) {
  process.stdout.write('usage: node --import tsx test/cluster/up.ts [--name NAME]\n');
  process.exit(0);
}

const state: { cluster?: TestCluster } = {};
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`[cluster] ${signal}: tearing down\n`);
  await state.cluster?.stop();
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void shutdown(signal));
}

const cluster = await startCluster({ name: values.name });
state.cluster = cluster;
if (stopping) {
  await cluster.stop();
} else {
  process.stdout.write(
    `KUBECONFIG=${cluster.kubeconfigPath}\nSERVER=${cluster.server}\nKUBECTL=${cluster.binaries.kubectl}\nREADY\n`,
  );
  process.stderr.write('[cluster] running; Ctrl-C (or SIGTERM) to stop\n');
  // Keep the event loop alive until a signal arrives.
  setInterval(() => undefined, 1 << 30);
}
