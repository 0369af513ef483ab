import { parseArgs } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { apiErrorMessage, apiStatus } from '../kube/api-errors.js';
import { loadKubeConfig } from '../kube/kube-config.js';
import { checkPlacement, type CheckedPod } from './placement-check.js';

export interface SelfTestIo {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  /** The CPU this process runs on (process.arch). */
  arch: string;
}

const USAGE = `usage: archcheck-webhook self-test [--pod NAME] [--namespace NS] [--kubeconfig FILE] [--expect-archs a,b] [--in-pod]
  Reads the pod (default: POD_NAME in POD_NAMESPACE, as the chart's helm test sets them) and checks that archcheck
  admitted and placed it: decision annotation injected or kept, a kubernetes.io/arch requirement in every required
  node selector term (exactly --expect-archs when given). --in-pod: this runs inside that pod, so its CPU must be one
  of the required archs. Exit 0: placed; 1: not placed (each failed check says what to look at); 2: usage or API error.`;

class UsageError extends Error {}

function options(argv: readonly string[], env: NodeJS.ProcessEnv): { pod: string; namespace: string; kubeconfig?: string; expectArchs: string[]; inPod: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { pod: { type: 'string' }, namespace: { type: 'string' }, kubeconfig: { type: 'string' }, 'expect-archs': { type: 'string' }, 'in-pod': { type: 'boolean' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (parsed.help) throw new UsageError('');
  const pod = parsed.pod ?? env.POD_NAME;
  const namespace = parsed.namespace ?? env.POD_NAMESPACE;
  if (!pod || !namespace) throw new UsageError('which pod? give --pod and --namespace (or POD_NAME and POD_NAMESPACE)');
  const expectArchs = (parsed['expect-archs'] ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  return { pod, namespace, ...(parsed.kubeconfig && { kubeconfig: parsed.kubeconfig }), expectArchs, inPod: parsed['in-pod'] ?? false };
}

/** `archcheck-webhook self-test`: returns the exit code; every line goes to `io.out`, never a stack trace. */
export async function runSelfTest(argv: readonly string[], io: SelfTestIo): Promise<number> {
  let opts;
  try {
    opts = options(argv, io.env);
  } catch (e) {
    const message = (e as Error).message;
    io.out(message ? `archcheck-webhook self-test: ${message}\n${USAGE}` : USAGE);
    return 2;
  }
  let kube;
  try {
    kube = loadKubeConfig(opts.kubeconfig);
  } catch (e) {
    io.out(`archcheck-webhook self-test: --kubeconfig ${opts.kubeconfig}: ${(e as Error).message.split('\n')[0]}`);
    return 2;
  }
  if (!kube) {
    io.out('archcheck-webhook self-test: no API access: run it in a pod (in-cluster ServiceAccount) or pass --kubeconfig');
    return 2;
  }
  let pod: CheckedPod;
  try {
    pod = (await kube.kubeConfig.makeApiClient(CoreV1Api).readNamespacedPod({ name: opts.pod, namespace: opts.namespace })) as CheckedPod;
  } catch (e) {
    const hint = apiStatus(e) === 403 ? ` (the ServiceAccount needs get on pods in ${opts.namespace})` : '';
    io.out(`archcheck-webhook self-test: cannot read pod ${opts.namespace}/${opts.pod}: ${apiErrorMessage(e)}${hint}`);
    return 2;
  }
  const result = checkPlacement(pod, { expectArchs: opts.expectArchs, ...(opts.inPod && { runningArch: io.arch }) });
  for (const line of result.lines) io.out(line);
  io.out(result.ok ? 'PASS: archcheck admitted and placed this pod' : 'FAIL: see the lines above');
  return result.ok ? 0 : 1;
}
