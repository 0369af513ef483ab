import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * API access: `--kubeconfig FILE`, else in-cluster (service account token), else none.
 * Returns undefined when neither is available; the webhook then runs without discovery, pull secrets or self certs.
 */
export function loadKubeConfig(kubeconfigPath: string | undefined): { kubeConfig: KubeConfig; source: string } | undefined {
  const kc = new KubeConfig();
  if (kubeconfigPath) {
    kc.loadFromFile(kubeconfigPath);
    return { kubeConfig: kc, source: `kubeconfig ${kubeconfigPath}` };
  }
  if (process.env.KUBERNETES_SERVICE_HOST && existsSync(`${SERVICE_ACCOUNT_DIR}/token`)) {
    kc.loadFromCluster();
    return { kubeConfig: kc, source: 'in-cluster service account' };
  }
  return undefined;
}

/** The namespace the webhook runs in: POD_NAMESPACE (downward API), else the service account's, else undefined. */
export function ownNamespace(readFile: (path: string) => string | undefined): string | undefined {
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  return readFile(`${SERVICE_ACCOUNT_DIR}/namespace`)?.trim() || undefined;
}
