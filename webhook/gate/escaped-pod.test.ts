import { describe, expect, it } from 'vitest';
import type { ImageArchFacts, NodeSet, PlacementNode, Toleration } from '../../core/placement/index.js';
import type { Mode } from '../policy/settings.js';
import { classifyEscapedPod, isCrashLooping, isEscaped, shouldEvict, type EscapedStatus, type ObservedPod } from './escaped-pod.js';

const node = (name: string, arch: string, taints: PlacementNode['taints'] = []): PlacementNode => ({ name, arch, os: 'linux', labels: { 'kubernetes.io/arch': arch }, taints });
const NODES: NodeSet = { kind: 'nodes', nodes: [node('amd-0', 'amd64'), node('arm-0', 'arm64', [{ key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' }])] };
const AMD: ImageArchFacts = { image: 'reg/amd:1', archs: ['amd64'], resolved: true };
const MULTI: ImageArchFacts = { image: 'reg/multi:1', archs: ['amd64', 'arm64'], resolved: true };
const GONE: ImageArchFacts = { image: 'reg/gone:1', archs: [], resolved: false };
const ANY_ARCH: Toleration[] = [{ key: 'kubernetes.io/arch', operator: 'Exists' }];

function pod(over: { annotations?: Record<string, string>; namespace?: string; phase?: string; deleting?: boolean; nodeName?: string; tolerations?: Toleration[] } = {}): ObservedPod {
  return {
    metadata: { name: 'p', namespace: over.namespace ?? 'shop', annotations: over.annotations ?? {}, ...(over.deleting && { deletionTimestamp: '2026-01-01T00:00:00Z' }) },
    spec: { containers: [{ name: 'c', image: 'reg/amd:1' }], ...(over.nodeName && { nodeName: over.nodeName }), ...(over.tolerations && { tolerations: over.tolerations }) },
    ...(over.phase && { status: { phase: over.phase } }),
  };
}

describe('isEscaped', () => {
  const modes: Record<string, Mode> = { warned: 'warn', audited: 'audit', off: 'off' };
  const scope = { excludedNamespaces: ['kube-system', 'archcheck'], podOptOut: true, modeOf: (ns: string): Mode => modes[ns] ?? 'mutate' };
  const cases: [string, ObservedPod, boolean][] = [
    ['no decision, managed namespace, running', pod({ phase: 'Running' }), true],
    ['no decision, pending', pod({ phase: 'Pending' }), true],
    ['has a decision (the webhook saw it)', pod({ annotations: { 'archcheck.dev/decision': 'injected' } }), false],
    ['skipped by the webhook is still a decision', pod({ annotations: { 'archcheck.dev/decision': 'skipped' } }), false],
    ['excluded namespace', pod({ namespace: 'kube-system' }), false],
    ['the webhook namespace', pod({ namespace: 'archcheck' }), false],
    ['warn mode never writes decisions', pod({ namespace: 'warned' }), false],
    ['audit mode never writes decisions', pod({ namespace: 'audited' }), false],
    ['mode off', pod({ namespace: 'off' }), false],
    ['mirror pod', pod({ annotations: { 'kubernetes.io/config.mirror': 'x' } }), false],
    ['opted out', pod({ annotations: { 'archcheck.dev/skip': 'true' } }), false],
    ['finished (Succeeded)', pod({ phase: 'Succeeded' }), false],
    ['finished (Failed)', pod({ phase: 'Failed' }), false],
    ['terminating', pod({ deleting: true }), false],
  ];
  it.each(cases)('%s → %s', (_name, p, expected) => {
    expect(isEscaped(p, scope)).toBe(expected);
  });

  it('opt-out honoured only when podOptOut is on', () => {
    expect(isEscaped(pod({ annotations: { 'archcheck.dev/skip': 'true' } }), { ...scope, podOptOut: false })).toBe(true);
  });
});

describe('classifyEscapedPod', () => {
  const cases: [string, { nodeName?: string; nodeArch?: string; images: ImageArchFacts[]; tolerations?: Toleration[] }, EscapedStatus, RegExp][] = [
    ['amd64-only image on an arm64 node', { nodeName: 'arm-0', nodeArch: 'arm64', images: [AMD] }, 'broken', /runs on arm64 node arm-0, which image\(s\) reg\/amd:1 have no build for.*Fix: delete the pod/],
    ['amd64-only image on an amd64 node', { nodeName: 'amd-0', nodeArch: 'amd64', images: [AMD] }, 'ok', /images run on amd64 node amd-0/],
    ['multi-arch image on an arm64 node', { nodeName: 'arm-0', nodeArch: 'arm64', images: [MULTI] }, 'ok', /arm64/],
    ['broken by a resolved image even if another is unknown', { nodeName: 'arm-0', nodeArch: 'arm64', images: [AMD, GONE] }, 'broken', /reg\/amd:1/],
    ['compatible so far, one image unknown', { nodeName: 'amd-0', nodeArch: 'amd64', images: [AMD, GONE] }, 'unknown', /reg\/gone:1 could not be read/],
    ['bound to a node without an arch label', { nodeName: 'mystery', images: [AMD] }, 'unknown', /node mystery has no kubernetes.io\/arch label/],
    ['unbound, tolerates every arch: may land on arm64', { images: [AMD], tolerations: ANY_ARCH }, 'at-risk', /may be scheduled on arm64 \(reg\/amd:1 lack it\)/],
    ['unbound, the arm64 taint keeps it off arm64', { images: [AMD] }, 'ok', /every node/],
    ['unbound, multi-arch', { images: [MULTI], tolerations: ANY_ARCH }, 'ok', /every node/],
    ['unbound, image unknown', { images: [GONE], tolerations: ANY_ARCH }, 'unknown', /could not be read/],
  ];
  it.each(cases)('%s → %s', (_name, c, status, message) => {
    const p = pod({ ...(c.nodeName && { nodeName: c.nodeName }), ...(c.tolerations && { tolerations: c.tolerations }) });
    const finding = classifyEscapedPod({ spec: p.spec, nodeArch: c.nodeArch, images: c.images, nodes: NODES });
    expect(finding.status).toBe(status);
    expect(finding.message).toMatch(message);
  });
});

describe('isCrashLooping / shouldEvict', () => {
  const owned = { kind: 'ReplicaSet', name: 'web-1', controller: true };
  const crashing = { containerStatuses: [{ restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }] };
  const withStatus = (status: ObservedPod['status'], owners = [owned]): ObservedPod => ({ ...pod(), metadata: { ...pod().metadata, ownerReferences: owners }, status });
  const broken = { status: 'broken' as const, message: '' };

  const loops: [string, ObservedPod['status'], boolean][] = [
    ['CrashLoopBackOff', crashing, true],
    ['three non-zero exits', { containerStatuses: [{ restartCount: 3, lastState: { terminated: { exitCode: 255 } } }] }, true],
    ['an init container crash-looping', { initContainerStatuses: [{ state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, true],
    ['restarted but exited 0', { containerStatuses: [{ restartCount: 5, lastState: { terminated: { exitCode: 0 } } }] }, false],
    ['running', { containerStatuses: [{ restartCount: 0 }] }, false],
    ['no status', undefined, false],
  ];
  it.each(loops)('isCrashLooping: %s → %s', (_name, status, expected) => {
    expect(isCrashLooping(withStatus(status))).toBe(expected);
  });

  it('evicts only a broken, crash-looping pod with a controller, and only with evictBroken', () => {
    expect(shouldEvict(withStatus(crashing), broken, true)).toBe(true);
    expect(shouldEvict(withStatus(crashing), broken, false)).toBe(false);
    expect(shouldEvict(withStatus(crashing), { status: 'at-risk', message: '' }, true)).toBe(false);
    expect(shouldEvict(withStatus({ containerStatuses: [{ restartCount: 0 }] }), broken, true)).toBe(false);
    // A bare pod would not come back: reported, never evicted.
    expect(shouldEvict(withStatus(crashing, []), broken, true)).toBe(false);
    expect(shouldEvict(withStatus(crashing, [{ ...owned, controller: false }]), broken, true)).toBe(false);
  });
});
