/** The case-table harness of the admission tests (webhook/handlers/admit*.test.ts). */
import { describe, expect, it } from 'vitest';
import type { KeyedCredential } from '../../core/credentials.js';
import type { Pod, PodSpec } from '../../core/placement/index.js';
import type { AdmissionReview } from '../admission/review.js';
import { MAX_WARNING_LENGTH } from '../admission/warnings.js';
import { type ClusterFacts } from '../cluster-facts.js';
import type { PolicySettings } from '../policy/settings.js';
import { fakeCluster } from './fake-cluster.js';
import { loadFixture } from './fixtures.js';
import { runAdmission, testSettings, withObject, type AdmissionRun } from './run-admission.js';

export const WEB = 'registry.example.com/team/web:1.4.2';
export const LEGACY = 'registry.example.com/team/legacy:2.0';
export const EDGE = 'registry.example.com/team/edge:0.9';
export const ARM_NODE = 'aks-arm64pool-12345678-vmss000000';

export const regcred: KeyedCredential = { key: 'registry.example.com', credential: { kind: 'basic', username: 'ci', password: 'not-a-real-password' }, source: 'pull secret shop/regcred' };

export function cluster(extra: Parameters<typeof fakeCluster>[0] = {}): ClusterFacts {
  return fakeCluster({ nodes: { 'aks-amd64pool-vmss000000': 'amd64', [ARM_NODE]: 'arm64' }, secrets: { 'shop/regcred': [regcred] }, ...extra });
}

export type Edit = (object: Record<string, unknown>) => void;

export function fixture(name: string, edit?: Edit): AdmissionReview {
  const review = loadFixture(name);
  if (edit) edit(review.request!.object as Record<string, unknown>);
  return review;
}

export const podSpec = (o: Record<string, unknown>): PodSpec => (o as unknown as Pod).spec;
export const setImages = (...images: string[]): Edit => (o) => {
  const spec = podSpec(o);
  spec.initContainers = [];
  spec.containers = images.map((image, i) => ({ name: `c${i}`, image }));
};
export const annotate = (key: string, value: string): Edit => (o) => {
  const meta = ((o as unknown as Pod).metadata ??= {});
  meta.annotations = { ...meta.annotations, [key]: value };
};

export interface Case {
  name: string;
  endpoint?: 'mutate' | 'validate';
  review: () => AdmissionReview;
  settings?: Partial<PolicySettings>;
  cluster?: ClusterFacts;
  deadlineMs?: number;
  allowed: boolean;
  decision: string;
  /** Checks on the patched object / response. */
  check?: (run: AdmissionRun) => void;
}

export const required = (o: unknown): unknown => (o as Pod).spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
export const annotations = (o: unknown): Record<string, string> | undefined => (o as Pod).metadata?.annotations;
export const tolerationKeys = (o: unknown): string[] => ((o as Pod).spec.tolerations ?? []).map((t) => `${t.key}=${t.value ?? ''}:${t.effect ?? ''}`);
export const archIn = (...values: string[]): { key: string; operator: string; values: string[] } => ({ key: 'kubernetes.io/arch', operator: 'In', values });

/** Runs a case table: the answer for each case, and (for allowed mutations) that re-admitting the result changes nothing. */
export function describeCases(title: string, cases: readonly Case[]): void {
  describe(title, () => {
    it.each(cases)('$name', async (c) => {
      const run = await runAdmission(c.endpoint ?? 'mutate', c.review(), {
        settings: testSettings(c.settings),
        cluster: c.cluster ?? cluster(),
        ...(c.deadlineMs !== undefined && { deadlineMs: c.deadlineMs }),
      });
      expect(run.response.uid).toBe(c.review().request!.uid);
      expect({ allowed: run.response.allowed, decision: run.decision }).toEqual({ allowed: c.allowed, decision: c.decision });
      for (const w of run.response.warnings ?? []) expect(w.length).toBeLessThanOrEqual(MAX_WARNING_LENGTH);
      if (!c.allowed) expect(run.response.patch).toBeUndefined();
      c.check?.(run);
    });

    it.each(cases.filter((c) => c.allowed && (c.endpoint ?? 'mutate') === 'mutate'))('idempotent: $name', async (c) => {
      const options = { settings: testSettings(c.settings), cluster: c.cluster ?? cluster(), deadlineMs: c.deadlineMs ?? 2_000 };
      const first = await runAdmission('mutate', c.review(), options);
      const second = await runAdmission('mutate', withObject(c.review(), first.patched), options);
      expect(second.patch).toEqual([]);
    });
  });
}
