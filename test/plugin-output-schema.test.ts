import { describe, expect, it } from 'vitest';
import { parsePlatformString } from '../core/platform.js';
import type { ImageResolver } from '../core/resolver.js';
import { AssumedPlacement } from '../plugin/audit/arch-reachability.js';
import { runAudit } from '../plugin/audit/audit.js';
import type { Workload } from '../plugin/audit/workloads.js';
import { nodePoolReport } from '../plugin/commands/nodes.js';
import { computeSavings } from '../plugin/savings/savings.js';
import { outputSchemaErrors } from './plugin-output-schema.js';

const resolver: ImageResolver = {
  resolve: (reference) =>
    Promise.resolve(
      reference.startsWith('private')
        ? { reference, canonical: reference, platforms: [], platformStrings: [], multiArch: false, error: { code: 'UNAUTHORIZED', message: 'no' } }
        : { reference, canonical: reference, digest: `sha256:${'c'.repeat(64)}`, platforms: [parsePlatformString('linux/amd64')], platformStrings: ['linux/amd64'], multiArch: false, error: null },
    ),
};

const workload = (name: string, image: string): Workload => ({
  kind: 'Deployment',
  namespace: 'ns',
  name,
  labels: {},
  template: { containers: [{ name: 'c', image, resources: { requests: { cpu: '1' } } }], tolerations: [{ operator: 'Exists' }] },
  pods: [],
  desiredPods: 2,
});

describe('docs/audit-output.schema.json', () => {
  it('describes the audit, nodes and savings output', async () => {
    const audit = await runAudit({
      workloads: [workload('a', 'legacy:1'), workload('b', 'private/x:1')],
      placement: new AssumedPlacement(['amd64', 'arm64']),
      resolver,
      targetArch: 'arm64',
      source: 'manifests',
      warnings: ['something could not be read'],
    });
    expect(outputSchemaErrors(JSON.parse(JSON.stringify(audit)))).toEqual([]);
    const nodes = nodePoolReport([{ name: 'n', arch: 'arm64', os: 'linux', labels: { agentpool: 'p' }, taints: [{ key: 'k', effect: 'NoSchedule' }], allocatableCpuMillis: 4000, allocatableMemoryBytes: 1, unschedulable: false }]);
    expect(outputSchemaErrors(nodes)).toEqual([]);
    const savings = computeSavings(audit, new Map([['amd64', { arch: 'amd64', perVcpuHour: 0.05, basis: 'x' }], ['arm64', { arch: 'arm64', perVcpuHour: 0.04, basis: 'y' }]]));
    expect(outputSchemaErrors(savings)).toEqual([]);
  });

  it('rejects output that breaks the contract', () => {
    expect(outputSchemaErrors({ apiVersion: 'archcheck.io/v1alpha1', kind: 'AuditReport', workloads: [{ status: 'fine' }] }).length).toBeGreaterThan(0);
  });
});
