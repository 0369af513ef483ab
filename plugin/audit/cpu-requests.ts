import type { Container, PodSpec } from '../../core/placement/index.js';
import { cpuMillis } from '../kube/quantity.js';

function requestedCpu(c: Container): number {
  const resources = c.resources as { requests?: Record<string, string>; limits?: Record<string, string> } | undefined;
  // As the API server defaults it: a limit without a request is the request.
  return cpuMillis(resources?.requests?.cpu ?? resources?.limits?.cpu);
}

function isSidecar(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

/**
 * The CPU the scheduler reserves for one pod, in millicores: the larger of the app containers (plus sidecar init
 * containers, which keep running) and the largest ordinary init container (plus the sidecars started before it),
 * plus pod overhead.
 */
export function podCpuRequestMillis(spec: PodSpec): number {
  const inits = spec.initContainers ?? [];
  let sidecars = 0;
  let initPeak = 0;
  for (const c of inits) {
    if (isSidecar(c)) sidecars += requestedCpu(c);
    else initPeak = Math.max(initPeak, sidecars + requestedCpu(c));
  }
  const app = spec.containers.reduce((sum, c) => sum + requestedCpu(c), 0) + sidecars;
  const overhead = cpuMillis((spec.overhead as Record<string, string> | undefined)?.cpu);
  return Math.max(app, initPeak) + overhead;
}
