import { AdmissionregistrationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { ConfigError, type WebhookConfig } from './config.js';
import { releaseAllGates } from './gate/release-gates.js';
import { apiErrorMessage, apiStatus } from './kube/api-errors.js';
import { Registry } from 'prom-client';
import { loadKubeConfig } from './kube/kube-config.js';
import { startEventRecorder } from './kube/events-api.js';
import { PodWrites } from './kube/pod-writes.js';
import { createLogger } from './logger.js';

export const DELETE_WEBHOOK_FLAG = '--delete-webhook-configuration';

/** `[--delete-webhook-configuration NAME] [server flags]` → the name (if given) and the server flags. */
export function splitReleaseArgs(argv: readonly string[]): { deleteWebhookConfiguration: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let name: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === DELETE_WEBHOOK_FLAG) {
      name = argv[++i];
      if (!name || name.startsWith('-')) throw new ConfigError(`${DELETE_WEBHOOK_FLAG} needs the name of archcheck's MutatingWebhookConfiguration`);
    } else if (arg.startsWith(`${DELETE_WEBHOOK_FLAG}=`)) name = arg.slice(DELETE_WEBHOOK_FLAG.length + 1);
    else rest.push(arg);
  }
  return { deleteWebhookConfiguration: name || undefined, rest };
}

/**
 * Uninstalling: once the MutatingWebhookConfiguration is gone, no new pod is gated, so releasing afterwards leaves
 * none behind (a webhook replica still terminating would otherwise gate pods after the release). Gone already: fine.
 */
async function deleteWebhookConfiguration(kubeConfig: KubeConfig, name: string): Promise<void> {
  try {
    await kubeConfig.makeApiClient(AdmissionregistrationV1Api).deleteMutatingWebhookConfiguration({ name });
  } catch (e) {
    if (apiStatus(e) !== 404) throw e;
  }
}

/**
 * `archcheck-webhook release-gates`: removes archcheck's scheduling gate from every pod in the cluster, keeping any
 * other gate (the chart's pre-delete hook runs it, so `helm uninstall` leaves no pod gated forever). Takes the
 * server's flags for API access (`--kubeconfig`, else in-cluster) and logging; with `--delete-webhook-configuration
 * NAME` it first deletes that MutatingWebhookConfiguration (the chart's hook: archcheck is going away). Exit 0 when
 * no archcheck gate is left, 1 when some pod could not be released (each named on stderr), 2 without API access.
 */
export async function runReleaseGates(config: WebhookConfig, stderr: (line: string) => void, deleteWebhook?: string): Promise<number> {
  let kube;
  try {
    kube = loadKubeConfig(config.kubeconfig || undefined);
  } catch (e) {
    throw new ConfigError(`--kubeconfig ${config.kubeconfig}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!kube) throw new ConfigError('release-gates needs API access: run it in the cluster or pass --kubeconfig');
  const logger = createLogger(config.logLevel);
  if (deleteWebhook) {
    try {
      await deleteWebhookConfiguration(kube.kubeConfig, deleteWebhook);
      logger.info({ mutatingWebhookConfiguration: deleteWebhook }, 'release-gates: webhook configuration deleted (no new pod is gated)');
    } catch (e) {
      stderr(`archcheck-webhook release-gates: cannot delete MutatingWebhookConfiguration ${deleteWebhook}: ${apiErrorMessage(e)}\n`);
      return 1;
    }
  }
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
