import { describe, expect, it } from 'vitest';
import type { ImageReport, WorkloadReport } from '../audit/report.js';
import { reasonCode } from './reason-code.js';

function image(archs: string[], error: string | null = null): ImageReport {
  return { container: 'c', containerType: 'container', image: 'x', canonical: 'x', digest: null, platforms: [], archs, error: error ? { code: error, message: '' } : null };
}

function workload(w: Partial<WorkloadReport>): WorkloadReport {
  return {
    kind: 'Deployment', namespace: 'n', name: 'w', status: 'ok', reason: '', images: [], sharedArchs: [], archConstraint: null, tolerations: [],
    schedulableArchs: [], nodes: [], pods: 0, cpuRequests: { millicores: 0 }, target: { arch: 'arm64', ready: null, blockingImages: [], unresolvedImages: [] },
    ...w,
  };
}

describe('reasonCode', () => {
  it.each([
    { name: 'broken on arm64', w: { status: 'broken', images: [image(['amd64'])], nodes: [{ node: 'a', arch: 'arm64', pods: 1, incompatible: true }, { node: 'b', arch: 'amd64', pods: 1, incompatible: false }] }, code: 'runs-on-arm64' },
    { name: 'at-risk', w: { status: 'at-risk', images: [image(['amd64'])], schedulableArchs: ['amd64', 'arm64'] }, code: 'may-run-on-arm64' },
    { name: 'unknown', w: { status: 'unknown', images: [image([], 'UNAUTHORIZED'), image([], 'NOT_FOUND'), image([], 'UNAUTHORIZED')] }, code: 'UNAUTHORIZED,NOT_FOUND' },
    { name: 'ok everywhere', w: { status: 'ok', images: [image(['amd64', 'arm64'])], schedulableArchs: ['amd64', 'arm64'] }, code: 'all-archs' },
    { name: 'ok, kept off', w: { status: 'ok', images: [image(['amd64'])], schedulableArchs: ['amd64'] }, code: 'kept-off-arm64' },
    { name: 'ok, no node admits it', w: { status: 'ok', images: [image(['amd64'])], schedulableArchs: [] }, code: 'unschedulable' },
  ] as Array<{ name: string; w: Partial<WorkloadReport>; code: string }>)('$name → $code', ({ w, code }) => {
    expect(reasonCode(workload(w), ['amd64', 'arm64'])).toBe(code);
  });
});
