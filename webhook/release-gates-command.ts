import { ConfigError, type WebhookConfig } from './config.js';
import { releaseAllGates } from './gate/release-gates.js';
import { apiErrorMessage } from './kube/api-errors.js';
import { loadKubeConfig } from './kube/kube-config.js';
import { Registry } from 'prom-client';
import { startEventRecorder } from './kube/events-api.js';
import { PodWrites } from './kube/pod-writes.js';
import { createLogger } from './logger.js';

/**
 * `archcheck-webhook release-gates`: removes archcheck's scheduling gate from every pod in the cluster, keeping any
 * other gate (the chart's pre-delete hook runs it, so `helm uninstall` leaves no pod gated forever). Takes the
 * server's flags for API access (`--kubeconfig`, else in-cluster) and logging. Exit 0 when no archcheck gate is
 * left, 1 when some pod could not be released (each named on stderr), 2 without API access.
 */
export async function runReleaseGates(config: WebhookConfig, stderr: (line: string) => void): Promise<number> {
  let kube;
  try {
    kube = loadKubeConfig(config.kubeconfig || undefined);
  } catch (e) {
    throw new ConfigError(`--kubeconfig ${config.kubeconfig}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!kube) throw new ConfigError('release-gates needs API access: run it in the cluster or pass --kubeconfig');
  const logger = createLogger(config.logLevel);
  // The Events (ArchcheckGateReleased) go through the same queued recorder as the server's; stop() flushes them.
  const events = startEventRecorder(kube.kubeConfig, new Registry(), logger);
  try {
    const result = await releaseAllGates(kube.kubeConfig, new PodWrites(kube.kubeConfig, events), logger);
    for (const failure of result.failed) stderr(`archcheck-webhook release-gates: could not release ${failure}\n`);
    logger.info({ released: result.released, failed: result.failed.length }, 'release-gates: done');
    return result.failed.length === 0 ? 0 : 1;
  } catch (e) {
    stderr(`archcheck-webhook release-gates: cannot list gated pods: ${apiErrorMessage(e)}\n`);
    return 1;
  } finally {
    await events.stop();
  }
}
