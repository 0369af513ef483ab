import { ANNOTATION_ARCHS, ANNOTATION_DECISION, ANNOTATION_REASON } from '../policy/settings.js';

/** The parts of a pod the check reads (as the API returns it). */
export interface CheckedPod {
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  spec?: {
    affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchExpressions?: { key?: string; operator?: string; values?: string[] }[] }[] } } };
  };
}

export interface PlacementCheckOptions {
  /** The arch requirement must be exactly these (any order); empty: whatever archcheck found. */
  expectArchs?: readonly string[];
  /** The CPU this check runs on, when it runs inside the checked pod: it must be one of the required archs. */
  runningArch?: string;
}

export interface PlacementCheck {
  ok: boolean;
  /** One line per check: `ok: …` or `FAIL: …` with what to do. */
  lines: string[];
}

const ARCH_KEY = 'kubernetes.io/arch';
const PLACED = ['injected', 'kept'];

/** Node.js's process.arch as Kubernetes names it. */
export function kubernetesArch(nodeArch: string): string {
  return ({ x64: 'amd64', ia32: '386', arm: 'arm' } as Record<string, string>)[nodeArch] ?? nodeArch;
}

/** The values of the `kubernetes.io/arch In` requirement of each required node selector term (undefined: none). */
function archTerms(pod: CheckedPod): (string[] | undefined)[] {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  return terms.map((t) => t.matchExpressions?.find((e) => e.key === ARCH_KEY && e.operator === 'In')?.values);
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

/** A failed check ends the list; `undefined`: this check passed (its ok line pushed). */
type Step = (lines: string[]) => string | undefined;

function admitted(pod: CheckedPod, name: string): Step {
  const annotations = pod.metadata?.annotations ?? {};
  const decision = annotations[ANNOTATION_DECISION];
  return (lines) => {
    if (decision === undefined) {
      return `FAIL: pod ${name} has no ${ANNOTATION_DECISION} annotation: archcheck did not admit it. Is the webhook running and ready (with failurePolicy Ignore the API server admits pods unchanged when it cannot reach it)? Is the namespace excluded (archcheck.dev/ignore=true, config.excludedNamespaces, admission.namespaceSelector) or in mode warn/audit/off?`;
    }
    const reason = annotations[ANNOTATION_REASON] ?? 'no reason given';
    if (!PLACED.includes(decision)) return `FAIL: pod ${name} was admitted with decision ${decision}, not placed: ${reason}`;
    lines.push(`ok: pod ${name} admitted by archcheck: decision ${decision} (${reason})`);
    return undefined;
  };
}

function required(terms: (string[] | undefined)[], name: string, recorded: string | undefined, expect: readonly string[]): Step {
  return (lines) => {
    if (terms.length === 0 || terms.some((t) => !t?.length)) return `FAIL: not every required node selector term of pod ${name} has a ${ARCH_KEY} In requirement: the scheduler may put it on any arch`;
    const archs = [...new Set(terms.flatMap((t) => t!))].sort();
    lines.push(`ok: required node affinity ${ARCH_KEY} In [${archs.join(', ')}] in every term (images run on: ${recorded ?? 'not recorded'})`);
    if (expect.length > 0 && !sameSet(archs, expect)) return `FAIL: expected ${ARCH_KEY} In [${[...expect].sort().join(', ')}], found [${archs.join(', ')}]`;
    return undefined;
  };
}

function runsHere(terms: (string[] | undefined)[], runningArch: string | undefined): Step {
  return (lines) => {
    if (runningArch === undefined) return undefined;
    const here = kubernetesArch(runningArch);
    // Terms are ORed: the node matched one of them.
    if (!terms.some((t) => t?.includes(here))) return `FAIL: running on ${here}, which the pod's arch requirement does not allow`;
    lines.push(`ok: running on ${here}, one of the required archs`);
    return undefined;
  };
}

/**
 * `archcheck-webhook self-test` (the chart's `helm test`): was this pod admitted through archcheck and placed — the
 * decision annotation says injected or kept, and every required node selector term carries a `kubernetes.io/arch`
 * requirement — and, run inside the pod, does the CPU it runs on belong to it? Pure: the pod comes from the API.
 */
export function checkPlacement(pod: CheckedPod, options: PlacementCheckOptions = {}): PlacementCheck {
  const name = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
  const terms = archTerms(pod);
  const steps = [admitted(pod, name), required(terms, name, pod.metadata?.annotations?.[ANNOTATION_ARCHS], options.expectArchs ?? []), runsHere(terms, options.runningArch)];
  const lines: string[] = [];
  for (const step of steps) {
    const failure = step(lines);
    if (failure) return { ok: false, lines: [...lines, failure] };
  }
  return { ok: true, lines };
}
