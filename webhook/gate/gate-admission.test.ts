import { describe, expect, it } from 'vitest';
import type { Pod } from '../../core/placement/index.js';
import type { AdmissionReview } from '../admission/review.js';
import type { PolicySettings } from '../policy/settings.js';
import { fakeCluster } from '../testing/fake-cluster.js';
import { MISSING_IMAGE, SLOW_IMAGE } from '../testing/fake-resolver.js';
import { loadFixture } from '../testing/fixtures.js';
import { runAdmission, testSettings, withObject } from '../testing/run-admission.js';
import { GATE_NAME } from './gate-marks.js';

const WEB = 'registry.example.com/team/web:1.4.2';
const cluster = fakeCluster({ nodes: { amd: 'amd64', arm: 'arm64' } });

function review(images: string[], edit: (pod: Pod) => void = () => undefined, namespace = 'shop'): AdmissionReview {
  const r = loadFixture('pod-create-deployment.json');
  r.request!.namespace = namespace;
  const pod = r.request!.object as Pod;
  pod.metadata = { ...pod.metadata, namespace };
  pod.spec.initContainers = [];
  pod.spec.containers = images.map((image, i) => ({ name: `c${i}`, image }));
  edit(pod);
  return r;
}

const gate = (settings: Partial<PolicySettings> = {}): PolicySettings => testSettings({ onUnresolved: 'gate', ...settings });
const run = (r: AdmissionReview, settings: PolicySettings, endpoint: 'mutate' | 'validate' = 'mutate') =>
  runAdmission(endpoint, r, { settings, cluster, deadlineMs: 150 });

describe('onUnresolved: gate at admission', () => {
  it('an image with no answer by the deadline: admitted with the gate, label, decision and reason; no placement yet', async () => {
    const { response, patched, decision } = await run(review([WEB, SLOW_IMAGE]), gate());
    expect(response.allowed).toBe(true);
    expect(decision).toBe('gated');
    const pod = patched as Pod;
    expect(pod.spec.schedulingGates).toEqual([{ name: GATE_NAME }]);
    expect(pod.metadata?.labels?.['archcheck.dev/gated']).toBe('true');
    expect(pod.metadata?.annotations?.['archcheck.dev/decision']).toBe('gated');
    expect(pod.metadata?.annotations?.['archcheck.dev/reason']).toContain(`TIMEOUT: ${SLOW_IMAGE}`);
    expect(pod.spec.affinity?.nodeAffinity).toBeUndefined();
    expect(response.warnings?.[0]).toMatch(/gated until its images are resolved \(TIMEOUT\)/);
  });

  it('keeps the gates a pod already has, ours after them; gating its own output again changes nothing', async () => {
    const first = await run(review([SLOW_IMAGE], (p) => void (p.spec.schedulingGates = [{ name: 'example.com/quota' }])), gate());
    expect((first.patched as Pod).spec.schedulingGates).toEqual([{ name: 'example.com/quota' }, { name: GATE_NAME }]);
    const again = await run(withObject(review([SLOW_IMAGE]), first.patched), gate());
    expect(again.patch).toEqual([]);
  });

  it('an image that does not exist is not worth waiting for: the allow path (unchanged, warned)', async () => {
    const { patch, patched, decision, response } = await run(review([MISSING_IMAGE]), gate());
    expect(decision).toBe('unresolved');
    // Not gated: only the decision and its reason are recorded on the pod (decision 0014).
    expect(patch.every((o) => o.path.startsWith('/metadata/annotations'))).toBe(true);
    expect((patched as Pod).spec.schedulingGates).toBeUndefined();
    expect((patched as Pod).metadata?.annotations?.['archcheck.dev/decision']).toBe('unresolved');
    expect(response.warnings?.[0]).toMatch(/NOT_FOUND\); admitted unchanged/);
  });

  it('resolved images are placed as always, never gated', async () => {
    const { decision, patched } = await run(review([WEB]), gate());
    expect(decision).toBe('injected');
    expect((patched as Pod).spec.schedulingGates).toBeUndefined();
  });

  it('warn mode says it would gate and changes nothing; audit only records', async () => {
    const warned = await run(review([SLOW_IMAGE]), gate({ mode: 'warn' }));
    expect(warned.decision).toBe('warn:gated');
    expect(warned.patch).toEqual([]);
    expect(warned.response.warnings?.[0]).toMatch(/^archcheck: would gate the pod/);
    const audited = await run(review([SLOW_IMAGE]), gate({ mode: 'audit' }));
    expect(audited.decision).toBe('audit:gated');
    expect(audited.patch).toEqual([]);
  });

  it.each(['kube-system', 'archcheck'])('never gates a pod in %s', async (namespace) => {
    const { decision, patch } = await run(review([SLOW_IMAGE], undefined, namespace), gate());
    expect(decision).toBe('skipped:excluded-namespace');
    expect(patch).toEqual([]);
  });

  it('/validate lets a gated pod through: the controller places it before it can be scheduled', async () => {
    const gated = await run(review([SLOW_IMAGE]), gate());
    const validated = await run(withObject(review([SLOW_IMAGE]), gated.patched), gate(), 'validate');
    expect(validated.response.allowed).toBe(true);
    expect(validated.decision).toBe('gated');
  });
});
