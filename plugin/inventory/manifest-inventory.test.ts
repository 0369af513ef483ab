import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { rollUpWorkloads } from '../audit/workloads.js';
import { manifestInventory, parseManifestSource, readManifestSources } from './manifest-inventory.js';

const TESTDATA = join(fileURLToPath(new URL('.', import.meta.url)), 'testdata');

describe('manifests', () => {
  it('reads helm template output: comments, empty documents, block scalars with ---, other kinds skipped', async () => {
    const sources = await readManifestSources([join(TESTDATA, 'helm-template.yaml')], false);
    const inventory = manifestInventory(sources, 'default');
    expect(inventory.objects.map((o) => `${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`)).toEqual([
      'Deployment/default/shop-web',
      'StatefulSet/shop-jobs/shop-worker',
      'CronJob/default/shop-report',
    ]);
    const workloads = rollUpWorkloads(inventory.objects, inventory.pods);
    const web = workloads.find((w) => w.name === 'shop-web')!;
    expect(web.desiredPods).toBe(3);
    expect(web.template.initContainers?.[0]?.image).toBe('registry.example.com/shop/migrate:1.2.0');
  });

  it('flattens Lists and reads JSON', async () => {
    const sources = await readManifestSources([join(TESTDATA, 'list.json')], false);
    expect(manifestInventory(sources, 'team').objects.map((o) => `${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`)).toEqual([
      'DaemonSet/monitoring/agent',
      'Pod/team/debug',
    ]);
  });

  it('flattens typed lists (DeploymentList) whose items omit kind', () => {
    const text = 'kind: DeploymentList\napiVersion: apps/v1\nitems:\n- metadata: {name: a}\n  spec: {template: {spec: {containers: [{name: c, image: x}]}}}\n';
    expect(parseManifestSource({ name: 'l.yaml', text }).map((o) => o.kind)).toEqual(['Deployment']);
  });

  it('reads directories like kubectl: yaml/yml/json files, subdirectories only with -R', async () => {
    const flat = await readManifestSources([TESTDATA], false);
    expect(flat.map((s) => s.name.slice(TESTDATA.length + 1))).toEqual(['helm-template.yaml', 'list.json']);
    const recursive = await readManifestSources([TESTDATA], true);
    expect(recursive.map((s) => s.name.slice(TESTDATA.length + 1))).toEqual(['helm-template.yaml', 'list.json', 'nested/deeper/job.yml']);
  });

  it('reads stdin for -', async () => {
    const sources = await readManifestSources(['-'], false, () => Promise.resolve('kind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n'));
    expect(sources).toEqual([{ name: '<stdin>', text: 'kind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n' }]);
  });

  it('names the file and line of invalid YAML in one line', () => {
    expect(() => parseManifestSource({ name: 'bad.yaml', text: 'kind: Pod\n---\nmetadata:\n  name: [x\n' })).toThrow(/^bad\.yaml:\d+: invalid YAML: [^\n]+$/);
  });

  it.each([
    { what: 'a values file', text: 'replicaCount: 3\nimage:\n  tag: "1.2"\n', error: 'values.yaml:1: not a Kubernetes object: no apiVersion and no kind (kubectl would reject this file too)' },
    { what: 'a second document without kind', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# comment\napiVersion: v1\nmetadata: {name: b}\n', error: 'values.yaml:6: not a Kubernetes object: no kind (kubectl would reject this file too)' },
    { what: 'a plain list', text: '- a\n- b\n', error: 'values.yaml:1: expected a Kubernetes object, found a list (kubectl would reject this file too)' },
    { what: 'a scalar', text: '---\nhello\n', error: 'values.yaml:2: expected a Kubernetes object, found a string (kubectl would reject this file too)' },
    { what: 'a List item without kind', text: 'apiVersion: v1\nkind: List\nitems:\n- {metadata: {name: x}}\n', error: 'values.yaml:1: items[0]: not a Kubernetes object: no apiVersion and no kind (kubectl would reject this file too)' },
  ])('rejects $what naming the file and line', ({ text, error }) => {
    expect(() => parseManifestSource({ name: 'values.yaml', text })).toThrow(error);
  });

  it('skips empty and comment-only documents', () => {
    expect(parseManifestSource({ name: 'x.yaml', text: '---\n# only a comment\n---\n\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n' }).map((o) => o.kind)).toEqual(['Pod']);
  });

  it('says when a path does not exist', async () => {
    await expect(readManifestSources(['/nonexistent/x.yaml'], false)).rejects.toThrow('-f /nonexistent/x.yaml: no such file or directory');
  });
});
