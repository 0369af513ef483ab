/**
 * The chart's `helm test` hooks, rendered (templates/tests/placement-test.yaml). That `helm test` passes on a real
 * API server with the webhook, and what the check does there, is test/e2e/operations.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureHelm, render, type K8sObject } from './helm.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

let helm: string;
beforeAll(async () => {
  helm = await ensureHelm();
}, 900_000);

const hooks = (objs: K8sObject[]): K8sObject[] => objs.filter((o) => o.metadata.annotations?.['helm.sh/hook'] === 'test');
const job = (objs: K8sObject[]): Any => objs.find((o) => o.kind === 'Job');

describe('helm test hooks', () => {
  it('are left out of a plain render (and so of manifests/archcheck.yaml)', async () => {
    expect(hooks(await render(helm))).toEqual([]);
  });

  it('a Job in its own namespace (the release namespace is never admitted), created and deleted with the test', async () => {
    const objs = hooks(await render(helm, { tests: true }));
    expect(objs.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
      'Namespace//archcheck-test',
      'ServiceAccount/archcheck-test/archcheck-test-placement',
      'Role/archcheck-test/archcheck-test-placement',
      'RoleBinding/archcheck-test/archcheck-test-placement',
      'Job/archcheck-test/archcheck-test-placement',
    ]);
    for (const o of objs) expect(o.metadata.annotations?.['helm.sh/hook-delete-policy']).toBe('before-hook-creation,hook-succeeded');
    // It checks placement whatever config.mode is.
    expect(objs[0]!.metadata.labels?.['archcheck.dev/mode']).toBe('mutate');
    // Objects that must exist before the Job: lower weights.
    expect(objs.slice(0, 4).map((o) => Number(o.metadata.annotations?.['helm.sh/hook-weight']))).toEqual([-10, -5, -5, -5]);
  });

  it('the test pod runs `archcheck-webhook self-test --in-pod` from the chart image, reading only pods in its namespace', async () => {
    const objs = hooks(await render(helm, { tests: true }));
    const j = job(objs);
    expect(j.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 300 });
    const pod = j.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].image).toBe('ghcr.io/archcheck/archcheck:0.1.0');
    expect(pod.containers[0].args).toEqual(['self-test', '--in-pod']);
    expect(pod.containers[0].env.map((e: Any) => e.valueFrom.fieldRef.fieldPath)).toEqual(['metadata.name', 'metadata.namespace']);
    // No arch affinity or tolerations of its own: archcheck adds them, which is the point.
    expect(pod.affinity).toBeUndefined();
    expect(pod.tolerations).toBeUndefined();
    expect(pod.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    const role = objs.find((o) => o.kind === 'Role') as Any;
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]);
  });

  it('tests.image, tests.expectArchs and an existing tests.namespace (not created, not labelled)', async () => {
    const objs = hooks(await render(helm, { tests: true, setJson: { tests: { image: 'mirror.example.com/archcheck:0.1.0', expectArchs: ['amd64', 'arm64'], namespace: 'smoke' } } }));
    expect(objs.find((o) => o.kind === 'Namespace')).toBeUndefined();
    expect(new Set(objs.map((o) => o.metadata.namespace))).toEqual(new Set(['smoke']));
    const c = job(objs).spec.template.spec.containers[0];
    expect(c.image).toBe('mirror.example.com/archcheck:0.1.0');
    expect(c.args).toEqual(['self-test', '--in-pod', '--expect-archs=amd64,arm64']);
  });

  it('tests.expectArchs are kubernetes.io/arch values (no variants): the schema refuses arm/v7', async () => {
    await expect(render(helm, { tests: true, setJson: { 'tests.expectArchs': ['arm/v7'] } })).rejects.toThrow(/\/tests\/expectArchs\/0': 'arm\/v7' does not match pattern/);
  });

  it('tests.enabled false: none', async () => {
    expect(hooks(await render(helm, { tests: true, setJson: { 'tests.enabled': false } }))).toEqual([]);
  });
});
