import { describe, expect, it } from 'vitest';
import { podArchitectures, type Pod, type ResolvedPodImage } from '../../core/placement/index.js';
import { failedInfo, imageInfo } from '../testing/fake-resolver.js';
import { ARM_TAINT, testSettings } from '../testing/run-admission.js';
import { decideGate, type GateAction, type GateSettings } from './gate-decision.js';
import { GATE_NAME, gatePod } from './gate-marks.js';

const AMD = 'reg/amd:1';
const ARM = 'reg/arm:1';
const MULTI = 'reg/multi:1';
const platforms: Record<string, string[]> = { [AMD]: ['linux/amd64'], [ARM]: ['linux/arm64'], [MULTI]: ['linux/amd64', 'linux/arm64'] };

function gated(images: string[], gates: string[] = []): Pod {
  const pod: Pod = { metadata: { name: 'p', namespace: 'shop' }, spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })), ...(gates.length > 0 && { schedulingGates: gates.map((name) => ({ name })) }) } };
  return gatePod(pod, 'TIMEOUT');
}

/** `code` for an image makes it fail with that code; `undefined` for no answer. */
function decide(images: string[], opts: { failures?: Record<string, string | undefined>; gatedForMs?: number; gate?: Partial<GateSettings>; singleArch?: 'allow' | 'deny'; pod?: Pod } = {}): GateAction {
  const resolved: ResolvedPodImage[] = images.map((image, i) => {
    const base = { container: `c${i}`, kind: 'container' as const, image };
    if (opts.failures && image in opts.failures) {
      const code = opts.failures[image];
      return code === undefined ? base : { ...base, info: failedInfo(image, code as 'NOT_FOUND', `${code} for ${image}`) };
    }
    return { ...base, info: imageInfo(image, platforms[image] ?? []) };
  });
  const settings = testSettings({ allowedArchs: ['amd64', 'arm64'], singleArch: opts.singleArch ?? 'allow' });
  return decideGate({
    pod: opts.pod ?? gated(images),
    podArchs: podArchitectures(resolved, [], settings.allowedArchs),
    settings,
    nodeArchs: ['amd64', 'arm64'],
    gate: { gateTimeoutMs: 600_000, fallbackArchs: [], denied: 'keep', ...opts.gate },
    gatedForMs: opts.gatedForMs ?? 5_000,
  });
}

const updated = (a: GateAction): Pod => {
  if (a.kind !== 'update') throw new Error(`expected update, got ${a.kind}`);
  return a.pod;
};
const required = (p: Pod): unknown => p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
const archIn = (...values: string[]) => ({ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values }] });

describe('decideGate', () => {
  it('placed by a stale answer (registry failing, stale-if-error): a Warning Event and a reason that say which image and since when', () => {
    const settings = testSettings({ allowedArchs: ['amd64', 'arm64'] });
    const resolved: ResolvedPodImage[] = [{ container: 'c0', kind: 'container', image: MULTI, info: imageInfo(MULTI, platforms[MULTI]!) }];
    const a = decideGate({
      pod: gated([MULTI]),
      podArchs: { ...podArchitectures(resolved, [], settings.allowedArchs), stale: [{ image: MULTI, since: '2026-12-07T19:02:03.456Z', code: 'TIMEOUT' }] },
      settings,
      nodeArchs: ['amd64', 'arm64'],
      gate: { gateTimeoutMs: 600_000, fallbackArchs: [], denied: 'keep' },
      gatedForMs: 5_000,
    });
    expect(a).toMatchObject({ kind: 'update', decision: 'injected', ungated: true, event: { type: 'Warning', reason: 'ArchcheckPlaced' } });
    const message = a.kind === 'update' ? a.event.message : '';
    expect(message).toBe('archcheck: placed on amd64,arm64 after 5.0s gated (images resolved by the gate controller; by the last known arch of reg/multi:1 (registry TIMEOUT, as of 2026-12-07T19:02:03Z))');
    expect(updated(a).metadata?.annotations?.['archcheck.dev/reason']).toBe(message);
  });

  it('resolved: placement added and gate + label removed in one update, decision and reason say so', () => {
    const a = decide([AMD, MULTI]);
    const p = updated(a);
    expect(a).toMatchObject({ decision: 'injected', ungated: true, event: { type: 'Normal', reason: 'ArchcheckPlaced' } });
    expect(required(p)).toEqual([archIn('amd64')]);
    expect(p.spec.schedulingGates).toBeUndefined();
    expect(p.metadata?.labels?.['archcheck.dev/gated']).toBeUndefined();
    expect(p.metadata?.annotations).toMatchObject({ 'archcheck.dev/decision': 'injected', 'archcheck.dev/archs': 'amd64' });
    expect(p.metadata?.annotations?.['archcheck.dev/reason']).toMatch(/placed on amd64 after 5\.0s gated/);
  });

  it('arm64-only: the arm64 pool taint is tolerated (tolerations are only added)', () => {
    const p = updated(decide([ARM]));
    expect(required(p)).toEqual([archIn('arm64')]);
    expect(p.spec.tolerations).toContainEqual({ key: ARM_TAINT.taint.key, operator: 'Equal', value: 'arm64', effect: 'NoSchedule' });
  });

  it('other gates stay', () => {
    const p = updated(decide([MULTI], { pod: gated([MULTI], ['example.com/quota']) }));
    expect(p.spec.schedulingGates).toEqual([{ name: 'example.com/quota' }]);
  });

  it('still no answer: retry before the timeout; ungated with decision gate-timeout after it', () => {
    expect(decide([AMD, MULTI], { failures: { [AMD]: undefined } })).toMatchObject({ kind: 'retry', reason: expect.stringContaining(`TIMEOUT: ${AMD}`) });
    expect(decide([AMD], { failures: { [AMD]: 'RATE_LIMITED' } }).kind).toBe('retry');
    const a = decide([AMD], { failures: { [AMD]: 'UNREACHABLE' }, gatedForMs: 600_000 });
    const p = updated(a);
    expect(a).toMatchObject({ decision: 'gate-timeout', event: { type: 'Warning', reason: 'ArchcheckGateTimeout' } });
    expect(p.spec.schedulingGates).toBeUndefined();
    expect(p.spec.affinity).toBeUndefined();
    expect(p.metadata?.annotations?.['archcheck.dev/decision']).toBe('gate-timeout');
  });

  it('timeout with gateFallbackArchs: pinned to them (affinity and their taint tolerations)', () => {
    const p = updated(decide([AMD], { failures: { [AMD]: 'TIMEOUT' }, gatedForMs: 700_000, gate: { fallbackArchs: ['arm64'] } }));
    expect(required(p)).toEqual([archIn('arm64')]);
    expect(p.spec.tolerations).toHaveLength(1);
    expect(p.metadata?.annotations).toMatchObject({ 'archcheck.dev/decision': 'gate-timeout', 'archcheck.dev/archs': 'arm64' });
  });

  it('a failure waiting cannot fix (NOT_FOUND): released at once with decision unresolved and a Warning', () => {
    const a = decide([AMD], { failures: { [AMD]: 'NOT_FOUND' } });
    expect(a).toMatchObject({ kind: 'update', decision: 'unresolved', ungated: true, event: { type: 'Warning', reason: 'ArchcheckUnresolved' } });
  });

  it('late denial (no common arch): stays gated, annotated with why and how to fix; the same again changes nothing', () => {
    const a = decide([AMD, ARM]);
    const p = updated(a);
    expect(a).toMatchObject({ decision: 'denied:no-common-arch', ungated: false, event: { type: 'Warning', reason: 'ArchcheckDenied' } });
    expect(p.spec.schedulingGates).toEqual([{ name: GATE_NAME }]);
    expect(p.metadata?.annotations?.['archcheck.dev/reason']).toMatch(/no allowed CPU architecture .* Fix: /);
    expect(decide([AMD, ARM], { pod: p })).toEqual({ kind: 'none' });
  });

  it('late denial under single-arch deny, with gateDenied evict: evict', () => {
    expect(decide([AMD], { singleArch: 'deny', gate: { denied: 'evict' } })).toMatchObject({ kind: 'evict', decision: 'denied:single-arch' });
  });

  it('a pod without the archcheck gate is left alone', () => {
    const pod: Pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c0', image: AMD }], schedulingGates: [{ name: 'other' }] } };
    expect(decide([AMD], { pod })).toEqual({ kind: 'none' });
  });
});
