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

  it('says when a path does not exist', async () => {
    await expect(readManifestSources(['/nonexistent/x.yaml'], false)).rejects.toThrow('-f /nonexistent/x.yaml: no such file or directory');
  });
});
