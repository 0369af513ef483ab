import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fleetTargets } from './fleet-targets.js';

const dir = mkdtempSync(join(tmpdir(), 'archcheck-fleet-targets-'));
const config = (contexts: string[]): string =>
  `apiVersion: v1\nkind: Config\ncurrent-context: ${contexts[0]}\nclusters:\n- {name: c, cluster: {server: "https://127.0.0.1:1"}}\nusers:\n- {name: u, user: {token: t}}\ncontexts:\n${contexts.map((c) => `- {name: ${c}, context: {cluster: c, user: u}}`).join('\n')}\n`;
writeFileSync(join(dir, 'a.yaml'), config(['a1', 'a2']));
writeFileSync(join(dir, 'b.yaml'), config(['b1']));
const sites = join(dir, 'sites');
mkdirSync(join(sites, '.git'), { recursive: true });
writeFileSync(join(sites, 'edge-002.kubeconfig'), config(['x']));
writeFileSync(join(sites, 'edge-001.yaml'), config(['y']));
writeFileSync(join(sites, '.hidden'), 'x');
const env = { env: { KUBECONFIG: `${join(dir, 'a.yaml')}:${join(dir, 'b.yaml')}` }, home: dir, serviceAccountDir: join(dir, 'none') };

describe('fleetTargets', () => {
  it('takes every context of the merged KUBECONFIG with --all-contexts', () => {
    expect(fleetTargets({ allContexts: true }, env)).toEqual([
      { name: 'a1', context: 'a1' },
      { name: 'a2', context: 'a2' },
      { name: 'b1', context: 'b1' },
    ]);
  });

  it('takes the named contexts, once each, from --kubeconfig', () => {
    expect(fleetTargets({ contexts: ['a2', 'a2'], kubeconfig: join(dir, 'a.yaml') }, env)).toEqual([{ name: 'a2', kubeconfig: join(dir, 'a.yaml'), context: 'a2' }]);
  });

  it('takes one cluster per file of --kubeconfig-dir, named after the file, hidden entries skipped', () => {
    expect(fleetTargets({ kubeconfigDir: sites }, env)).toEqual([
      { name: 'edge-001', kubeconfig: join(sites, 'edge-001.yaml') },
      { name: 'edge-002', kubeconfig: join(sites, 'edge-002.kubeconfig') },
    ]);
  });

  it.each([
    [{}, 'fleet needs exactly one of --contexts a,b,c, --all-contexts or --kubeconfig-dir DIR'],
    [{ allContexts: true, kubeconfigDir: sites }, 'fleet needs exactly one of --contexts a,b,c, --all-contexts or --kubeconfig-dir DIR'],
    [{ contexts: ['a1', 'zz'] }, /^--contexts: "zz" not in the kubeconfig \(KUBECONFIG=.*\); contexts: a1, a2, b1$/],
    [{ kubeconfigDir: join(dir, 'missing') }, /^--kubeconfig-dir .*missing: no such directory$/],
    [{ kubeconfigDir: join(sites, '.git') }, /no kubeconfig files in it$/],
  ])('%j is a usage error', (sel, message) => {
    expect(() => fleetTargets(sel, env)).toThrow(message);
  });
});
