import { describe, expect, it } from 'vitest';
import type { Container, PodSpec } from '../../core/placement/index.js';
import { podCpuRequestMillis } from './cpu-requests.js';

const c = (name: string, cpu?: string, extra: Partial<Container> = {}): Container => ({ name, image: 'x', ...(cpu && { resources: { requests: { cpu } } }), ...extra });

describe('podCpuRequestMillis', () => {
  const cases: Array<{ name: string; spec: PodSpec; millis: number }> = [
    { name: 'sum of containers', spec: { containers: [c('a', '250m'), c('b', '0.5')] }, millis: 750 },
    { name: 'no requests', spec: { containers: [c('a')] }, millis: 0 },
    { name: 'limit stands in for a missing request', spec: { containers: [{ name: 'a', resources: { limits: { cpu: '2' } } }] }, millis: 2000 },
    { name: 'big init container wins', spec: { initContainers: [c('init', '2')], containers: [c('a', '500m')] }, millis: 2000 },
    { name: 'small init container does not add', spec: { initContainers: [c('init', '100m')], containers: [c('a', '500m')] }, millis: 500 },
    { name: 'sidecar init containers add to the app', spec: { initContainers: [c('proxy', '100m', { restartPolicy: 'Always' })], containers: [c('a', '500m')] }, millis: 600 },
    { name: 'pod overhead', spec: { containers: [c('a', '500m')], overhead: { cpu: '250m' } }, millis: 750 },
  ];
  it.each(cases)('$name', ({ spec, millis }) => expect(podCpuRequestMillis(spec)).toBe(millis));
});
