import { expect } from 'vitest';
import type { Pod } from '../../core/placement/index.js';
import { noClusterFacts } from '../cluster-facts.js';
import { annotate, annotations, archIn, cluster, describeCases, EDGE, fixture, LEGACY, podSpec, required, setImages, tolerationKeys, WEB, type Case } from '../testing/admission-cases.js';
import { MISSING_IMAGE, PRIVATE_IMAGE, SLOW_IMAGE } from '../testing/fake-resolver.js';
import { loadFixture } from '../testing/fixtures.js';
import { type AdmissionRun } from '../testing/run-admission.js';

const unpatched = ({ patch }: AdmissionRun): void => expect(patch).toEqual([]);
/** The skip is on the pod as decision `skipped` and its reason, and nothing else changed. */
const skipRecorded =
  (reason: RegExp) =>
  ({ patch, patched }: AdmissionRun): void => {
    expect(patch.every((o) => o.path.startsWith('/metadata/annotations'))).toBe(true);
    expect(annotations(patched)?.['archcheck.dev/decision']).toBe('skipped');
    expect(annotations(patched)?.['archcheck.dev/reason']).toMatch(reason);
  };

const cases: Case[] = [
  // Placing a pod: placement injected on a Deployment's pod (generateName, no name).
  {
    name: 'deployment pod: amd64-only sidecar pins the pod to amd64',
    review: () => fixture('pod-create-deployment.json'),
    allowed: true,
    decision: 'injected',
    check: ({ patched, patch }) => {
      expect(required(patched)).toEqual([{ matchExpressions: [archIn('amd64')] }]);
      expect(annotations(patched)).toMatchObject({ 'archcheck.dev/archs': 'amd64', 'archcheck.dev/decision': 'injected' });
      expect(tolerationKeys(patched)).not.toContain('kubernetes.io/arch=arm64:NoSchedule');
      expect(patch.every((op) => op.op === 'add')).toBe(true);
    },
  },
  {
    name: 'existing ORed terms: the arch requirement is ANDed into each; arm64 taint tolerated; preference added',
    review: () => fixture('pod-create-with-affinity.json'),
    settings: { prefer: [{ arch: 'arm64', weight: 80 }] },
    allowed: true,
    decision: 'injected',
    check: ({ patched }) => {
      const terms = required(patched) as { matchExpressions: unknown[] }[];
      expect(terms).toHaveLength(2);
      for (const t of terms) expect(t.matchExpressions).toContainEqual(archIn('amd64', 'arm64'));
      expect(terms[0]!.matchExpressions[0]).toMatchObject({ key: 'topology.kubernetes.io/zone' });
      expect(tolerationKeys(patched)).toContain('kubernetes.io/arch=arm64:NoSchedule');
      const preferred = (patched as Pod).spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
      expect(preferred).toHaveLength(2);
      expect(preferred[1]).toEqual({ weight: 80, preference: { matchExpressions: [archIn('arm64')] } });
      expect((patched as Pod).spec.affinity?.podAntiAffinity).toBeDefined();
    },
  },
  {
    name: 'dryRun pod is decided like any other (no side effects to skip)',
    review: () => fixture('pod-create-dry-run.json'),
    allowed: true,
    decision: 'injected',
    check: ({ patched }) => {
      expect(required(patched)).toEqual([{ matchExpressions: [archIn('arm64')] }]);
      expect(tolerationKeys(patched)).toContain('kubernetes.io/arch=arm64:NoSchedule');
    },
  },
  {
    name: 'discovered arch taints are tolerated as well as configured ones',
    review: () => fixture('pod-create-dry-run.json'),
    settings: { archTaints: [] },
    cluster: cluster({ archTaints: [{ arch: 'arm64', taint: { key: 'kubernetes.io/arch', value: 'arm64', effect: 'NoSchedule' } }] }),
    allowed: true,
    decision: 'injected',
    check: ({ patched }) => expect(tolerationKeys(patched)).toContain('kubernetes.io/arch=arm64:NoSchedule'),
  },
  // No common arch.
  {
    name: 'no common arch: denied, naming each image and its archs',
    review: () => fixture('pod-create-deployment.json', setImages(LEGACY, EDGE)),
    allowed: false,
    decision: 'denied:no-common-arch',
    check: ({ response }) => {
      expect(response.status?.message).toContain(`${LEGACY} (amd64)`);
      expect(response.status?.message).toContain(`${EDGE} (arm64)`);
      expect(response.status?.message).toMatch(/Fix: .*multi-arch.*--image-override.*archcheck.dev\/skip/);
      expect(response.status?.code).toBe(403);
    },
  },
  {
    name: 'an image for no allowed arch at all (s390x only) is a conflict too',
    review: () => fixture('pod-create-deployment.json', setImages('registry.example.com/team/s390x:1')),
    allowed: false,
    decision: 'denied:no-common-arch',
  },
  // Arch conflict: the pod's own constraint.
  {
    name: "pod's nodeSelector allows none of its archs: denied",
    review: () => fixture('pod-create-arch-conflict.json'),
    allowed: false,
    decision: 'denied:arch-conflict',
    check: ({ response }) => expect(response.status?.message).toMatch(/kubernetes\.io\/arch in \[arm64\].*\(amd64\)/),
  },
  {
    name: "pod's nodeSelector already fits: kept, arm64 toleration added",
    review: () => fixture('pod-create-with-affinity.json', (o) => void (podSpec(o).nodeSelector = { 'kubernetes.io/arch': 'arm64' })),
    allowed: true,
    decision: 'kept',
    check: ({ patched }) => {
      expect((required(patched) as { matchExpressions: unknown[] }[])[0]!.matchExpressions).toHaveLength(1);
      expect(tolerationKeys(patched)).toContain('kubernetes.io/arch=arm64:NoSchedule');
      expect(annotations(patched)?.['archcheck.dev/decision']).toBe('kept');
    },
  },
  {
    name: "pod's constraint wider than its images (NotIn s390x) is narrowed, not replaced",
    review: () =>
      fixture('pod-create-deployment.json', (o) => {
        setImages(LEGACY)(o);
        podSpec(o).affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'NotIn', values: ['s390x'] }] }] } } };
      }),
    allowed: true,
    decision: 'injected',
    check: ({ patched }) => expect(required(patched)).toEqual([{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'NotIn', values: ['s390x'] }, archIn('amd64')] }]),
  },
  // Single-arch policy.
  { name: 'single-arch deny', review: () => fixture('pod-create-deployment.json'), settings: { singleArch: 'deny' }, allowed: false, decision: 'denied:single-arch' },
  {
    name: 'single-arch warn: pinned and warned',
    review: () => fixture('pod-create-deployment.json'),
    settings: { singleArch: 'warn' },
    allowed: true,
    decision: 'injected',
    check: ({ response }) => expect(response.warnings?.[0]).toContain(`${LEGACY} runs only on amd64`),
  },
  { name: 'single-arch deny ignores multi-arch pods', review: () => fixture('pod-create-with-affinity.json'), settings: { singleArch: 'deny' }, allowed: true, decision: 'injected' },
  // Unresolved images and the deadline.
  {
    name: 'unresolved by the deadline, policy allow: admitted unchanged with a warning',
    review: () => fixture('pod-create-deployment.json', setImages(WEB, SLOW_IMAGE)),
    deadlineMs: 150,
    allowed: true,
    decision: 'unresolved',
    check: ({ patch, patched, response }) => {
      // No placement; only the record of why on the pod (decision 0014).
      expect(patch.map((o) => o.path)).toEqual(['/metadata/annotations']);
      expect(annotations(patched)).toMatchObject({ 'archcheck.dev/decision': 'unresolved', 'archcheck.dev/reason': expect.stringMatching(/slow:1 \(TIMEOUT: no answer before the admission deadline\)/) });
      expect(response.warnings?.[0]).toMatch(/slow:1 unknown \(TIMEOUT\); admitted unchanged/);
    },
  },
  {
    name: 'unresolved, policy deny: denied with what to do',
    review: () => fixture('pod-create-deployment.json', setImages(MISSING_IMAGE)),
    settings: { onUnresolved: 'deny' },
    allowed: false,
    decision: 'denied:unresolved',
    check: ({ response }) => expect(response.status?.message).toMatch(/NOT_FOUND.*Fix: check the image names and the pod's imagePullSecrets/),
  },
  {
    name: 'unresolved images do not hide a certain conflict among the others',
    review: () => fixture('pod-create-deployment.json', setImages(LEGACY, EDGE, MISSING_IMAGE)),
    allowed: false,
    decision: 'denied:no-common-arch',
  },
  // Pull secrets.
  {
    name: "private image resolves with the pod's pull secret",
    review: () => fixture('pod-create-deployment.json', setImages(PRIVATE_IMAGE)),
    allowed: true,
    decision: 'injected',
  },
  {
    name: 'private image without a usable pull secret is unresolved',
    review: () => fixture('pod-create-deployment.json', setImages(PRIVATE_IMAGE)),
    cluster: cluster({ secrets: {} }),
    allowed: true,
    decision: 'unresolved',
  },
  // Overrides and allowed archs.
  {
    name: 'image override widens a lying image',
    review: () => fixture('pod-create-deployment.json', setImages(LEGACY)),
    settings: { imageOverrides: [{ pattern: 'registry.example.com/team/legacy', archs: ['amd64', 'arm64'] }] },
    allowed: true,
    decision: 'injected',
    check: ({ patched }) => expect(annotations(patched)?.['archcheck.dev/archs']).toBe('amd64,arm64'),
  },
  {
    name: '--allowed-archs cuts multi-arch images',
    review: () => fixture('pod-create-with-affinity.json'),
    settings: { allowedArchs: ['amd64'] },
    allowed: true,
    decision: 'injected',
    check: ({ patched }) => expect(annotations(patched)?.['archcheck.dev/archs']).toBe('amd64'),
  },
  {
    name: 'no discovery and no --allowed-archs: amd64,arm64',
    review: () => fixture('pod-create-deployment.json', setImages('busybox:1.36')),
    cluster: noClusterFacts,
    allowed: true,
    decision: 'injected',
    check: ({ patched }) => expect(annotations(patched)?.['archcheck.dev/archs']).toBe('amd64,arm64'),
  },
  {
    name: 'windows pod uses the windows platforms',
    review: () => fixture('pod-create-deployment.json', (o) => {
      setImages('registry.example.com/team/windows:1')(o);
      podSpec(o).os = { name: 'windows' };
    }),
    allowed: true,
    decision: 'injected',
    check: ({ patched }) => expect(annotations(patched)?.['archcheck.dev/archs']).toBe('amd64'),
  },
  // Left alone: skips. Mirror pods and excluded namespaces are never touched; other skips are recorded on the pod.
  { name: 'excluded namespace (kube-system)', review: () => ({ ...loadFixture('pod-create-deployment.json'), request: { ...loadFixture('pod-create-deployment.json').request!, namespace: 'kube-system' } }), allowed: true, decision: 'skipped:excluded-namespace', check: unpatched },
  { name: "webhook's own namespace", review: () => ({ ...loadFixture('pod-create-deployment.json'), request: { ...loadFixture('pod-create-deployment.json').request!, namespace: 'archcheck' } }), allowed: true, decision: 'skipped:excluded-namespace', check: unpatched },
  { name: 'pod with nodeName', review: () => fixture('pod-create-deployment.json', (o) => void (podSpec(o).nodeName = 'node-1')), allowed: true, decision: 'skipped:has-node-name', check: skipRecorded(/^has-node-name: created bound to a node/) },
  { name: 'mirror pod', review: () => fixture('pod-create-mirror.json', (o) => void delete podSpec(o).nodeName), allowed: true, decision: 'skipped:mirror-pod', check: unpatched },
  { name: "DaemonSet's pod", review: () => fixture('pod-create-daemonset-owned.json'), allowed: true, decision: 'skipped:daemonset-pod', check: skipRecorded(/^daemonset-pod: /) },
  {
    name: "DaemonSet's pod keeps the decision its template gave it",
    review: () => fixture('pod-create-daemonset-owned.json', annotate('archcheck.dev/decision', 'injected')),
    allowed: true,
    decision: 'skipped:daemonset-pod',
    check: unpatched,
  },
  { name: 'opted out', review: () => fixture('pod-create-deployment.json', annotate('archcheck.dev/skip', 'true')), allowed: true, decision: 'skipped:opted-out', check: skipRecorded(/^opted-out: opted out with annotation archcheck.dev\/skip/) },
  {
    name: 'opted out in a warn namespace: nothing recorded (warn changes nothing)',
    review: () => fixture('pod-create-deployment.json', annotate('archcheck.dev/skip', 'true')),
    cluster: cluster({ namespaces: { shop: { 'archcheck.dev/mode': 'warn' } } }),
    allowed: true,
    decision: 'skipped:opted-out',
    check: unpatched,
  },
  { name: 'opt-out disabled', review: () => fixture('pod-create-deployment.json', annotate('archcheck.dev/skip', 'true')), settings: { podOptOut: false }, allowed: true, decision: 'injected' },
  // Modes, and the namespace label overriding them.
  {
    name: 'namespace label warn: nothing changes, the warning says what would',
    review: () => fixture('pod-create-deployment.json'),
    cluster: cluster({ namespaces: { shop: { 'archcheck.dev/mode': 'warn' } } }),
    allowed: true,
    decision: 'warn:injected',
    check: ({ patch, response }) => {
      expect(patch).toEqual([]);
      expect(response.warnings).toEqual(['archcheck: would add node affinity kubernetes.io/arch in [amd64]']);
    },
  },
  {
    name: 'warn mode turns a denial into a warning',
    review: () => fixture('pod-create-arch-conflict.json'),
    settings: { mode: 'warn' },
    allowed: true,
    decision: 'warn:denied:arch-conflict',
    check: ({ response }) => expect(response.warnings?.[0]).toMatch(/^archcheck: would deny \(arch-conflict/),
  },
  {
    name: 'audit mode only records',
    review: () => fixture('pod-create-arch-conflict.json'),
    settings: { mode: 'audit' },
    allowed: true,
    decision: 'audit:denied:arch-conflict',
    check: ({ patch, response }) => {
      expect(patch).toEqual([]);
      expect(response.warnings).toBeUndefined();
      expect(response.auditAnnotations).toEqual({ decision: 'audit:denied:arch-conflict', archs: 'amd64' });
    },
  },
  {
    name: 'namespace label off beats --mode mutate',
    review: () => fixture('pod-create-arch-conflict.json'),
    cluster: cluster({ namespaces: { shop: { 'archcheck.dev/mode': 'off' } } }),
    allowed: true,
    decision: 'skipped:mode-off',
  },
  {
    name: 'an invalid namespace label is ignored',
    review: () => fixture('pod-create-arch-conflict.json'),
    cluster: cluster({ namespaces: { shop: { 'archcheck.dev/mode': 'loud' } } }),
    allowed: false,
    decision: 'denied:arch-conflict',
  },
  // Operations and kinds left alone.
  { name: 'pod UPDATE is ignored', review: () => loadFixture('pod-update-labels.json'), allowed: true, decision: 'ignored' },
  { name: 'unknown kind is ignored', review: () => ({ ...loadFixture('pod-create-deployment.json'), request: { ...loadFixture('pod-create-deployment.json').request!, kind: { group: '', version: 'v1', kind: 'ConfigMap' } } }), allowed: true, decision: 'ignored' },
];

describeCases('admission rules on pod fixtures', cases);
