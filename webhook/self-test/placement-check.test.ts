import { describe, expect, it } from 'vitest';
import { checkPlacement, kubernetesArch, type CheckedPod } from './placement-check.js';
import { runSelfTest } from './run-self-test.js';

const arch = (values: string[], extra: { key: string; operator: string; values: string[] }[] = []) => ({ matchExpressions: [...extra, { key: 'kubernetes.io/arch', operator: 'In', values }] });

function pod(annotations: Record<string, string> | undefined, terms?: ReturnType<typeof arch>[]): CheckedPod {
  return {
    metadata: { name: 'probe-x1', namespace: 'archcheck-test', ...(annotations && { annotations }) },
    spec: terms ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } } : {},
  };
}

const placed = { 'archcheck.dev/decision': 'injected', 'archcheck.dev/reason': 'required kubernetes.io/arch In [amd64, arm64]', 'archcheck.dev/archs': 'amd64,arm64' };

describe('checkPlacement (helm test)', () => {
  it.each<[string, CheckedPod, Parameters<typeof checkPlacement>[1], boolean, RegExp]>([
    ['placed, any arch', pod(placed, [arch(['amd64', 'arm64'])]), {}, true, /required node affinity kubernetes\.io\/arch In \[amd64, arm64\]/],
    ['placed, the expected archs', pod(placed, [arch(['arm64', 'amd64'])]), { expectArchs: ['amd64', 'arm64'] }, true, /In \[amd64, arm64\]/],
    ['placed, running on one of them (x64 is amd64)', pod(placed, [arch(['amd64'])]), { runningArch: 'x64' }, true, /running on amd64, one of the required archs/],
    ['kept: the pod\'s own requirement fits', pod({ ...placed, 'archcheck.dev/decision': 'kept' }, [arch(['arm64'])]), {}, true, /decision kept/],
    ['not admitted by archcheck (webhook down, namespace excluded)', pod(undefined, undefined), {}, false, /no archcheck\.dev\/decision annotation: archcheck did not admit it\. Is the webhook running/],
    ['admitted unresolved', pod({ 'archcheck.dev/decision': 'unresolved', 'archcheck.dev/reason': 'NOT_FOUND: reg/x:1' }), {}, false, /decision unresolved, not placed: NOT_FOUND: reg\/x:1/],
    ['gated, never placed', pod({ 'archcheck.dev/decision': 'gated' }), {}, false, /decision gated, not placed/],
    ['a term without the arch requirement', pod(placed, [arch(['amd64']), { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }]), {}, false, /not every required node selector term/],
    ['other archs than expected', pod(placed, [arch(['amd64'])]), { expectArchs: ['amd64', 'arm64'] }, false, /expected kubernetes\.io\/arch In \[amd64, arm64\], found \[amd64\]/],
    ['running on an arch it does not allow', pod(placed, [arch(['amd64'])]), { runningArch: 'arm64' }, false, /FAIL: running on arm64/],
  ])('%s', (_name, p, options, ok, line) => {
    const result = checkPlacement(p, options);
    expect(result.ok).toBe(ok);
    expect(result.lines.join('\n')).toMatch(line);
    expect(result.lines.filter((l) => l.startsWith('FAIL')).length).toBe(ok ? 0 : 1);
  });

  it.each([
    ['x64', 'amd64'],
    ['arm64', 'arm64'],
    ['s390x', 's390x'],
  ])('process.arch %s is Kubernetes arch %s', (node, kube) => expect(kubernetesArch(node)).toBe(kube));
});

describe('archcheck-webhook self-test, usage', () => {
  const run = async (argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> => {
    const lines: string[] = [];
    const code = await runSelfTest(argv, { env, arch: 'x64', out: (l) => void lines.push(l) });
    return { code, out: lines.join('\n') };
  };

  it('no pod named: exit 2 saying which flags or env to set', async () => {
    expect(await run([])).toEqual({ code: 2, out: expect.stringMatching(/^archcheck-webhook self-test: which pod\? give --pod and --namespace \(or POD_NAME and POD_NAMESPACE\)/) });
  });

  it('an unknown flag: exit 2 with the usage', async () => {
    expect(await run(['--pods', 'x'])).toEqual({ code: 2, out: expect.stringMatching(/Unknown option '--pods'[\s\S]*usage: archcheck-webhook self-test/) });
  });

  it('no API access: exit 2, no stack trace', async () => {
    expect(await run([], { POD_NAME: 'p', POD_NAMESPACE: 'n' })).toEqual({ code: 2, out: expect.stringMatching(/^archcheck-webhook self-test: no API access: run it in a pod .* or pass --kubeconfig$/) });
  });
});
