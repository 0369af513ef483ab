import { describe, expect, it } from 'vitest';
import type { ClusterNode } from '../inventory/inventory.js';
import { mergePrices, parsePriceFile, pricesFromFile, pricesFromFlags } from './prices.js';

const FILE = `
# USD per hour
instanceTypes:
  Standard_D16_v3:   { arch: amd64, vcpus: 16, hourly: 0.768 }
  Standard_D4s_v5:   { arch: amd64, vcpus: 4, hourly: 0.192 }
  Standard_D16ps_v6: { arch: arm64, vcpus: 16, hourly: 0.562 }
  Standard_D4ps_v5:  { arch: arm64, vcpus: 4, hourly: 0.154 }
`;

function node(name: string, arch: string, type: string): ClusterNode {
  return { name, arch, os: 'linux', labels: { 'node.kubernetes.io/instance-type': type }, taints: [], allocatableCpuMillis: 0, allocatableMemoryBytes: 0, unschedulable: false };
}

describe('prices', () => {
  it('parses --price flags', () => {
    expect(pricesFromFlags(['amd64=0.048', 'arm64=0.035125'])).toEqual([
      { arch: 'amd64', perVcpuHour: 0.048, basis: '--price' },
      { arch: 'arm64', perVcpuHour: 0.035125, basis: '--price' },
    ]);
    expect(() => pricesFromFlags(['amd64'])).toThrow(/ARCH=PRICE/);
    expect(() => pricesFromFlags(['amd64=-1'])).toThrow(/non-negative/);
  });

  it('prices an arch from the instance types its nodes use, weighted by node count', () => {
    const nodes = [node('a', 'amd64', 'Standard_D16_v3'), node('b', 'amd64', 'Standard_D16_v3'), node('c', 'amd64', 'Standard_D4s_v5')];
    const prices = new Map(pricesFromFile(parsePriceFile(FILE, 'prices.yaml'), nodes).map((p) => [p.arch, p]));
    // (0.048 + 0.048 + 0.048) / 3 = 0.048
    expect(prices.get('amd64')!.perVcpuHour).toBeCloseTo(0.048, 9);
    expect(prices.get('amd64')!.basis).toBe('mean over 3 nodes of Standard_D16_v3 $0.768/h ÷ 16 vCPU (2 nodes), Standard_D4s_v5 $0.192/h ÷ 4 vCPU (1 node)');
    // No arm64 nodes: the cheapest arm64 type per vCPU, 0.562/16 = 0.035125 < 0.154/4 = 0.0385.
    expect(prices.get('arm64')!.perVcpuHour).toBeCloseTo(0.035125, 9);
    expect(prices.get('arm64')!.basis).toMatch(/cheapest arm64 type in prices.yaml: Standard_D16ps_v6/);
  });

  it('lets --price win over the file', () => {
    const merged = mergePrices(pricesFromFile(parsePriceFile(FILE, 'f'), null), pricesFromFlags(['arm64=0.03']));
    expect(merged.get('arm64')!.perVcpuHour).toBe(0.03);
    expect(merged.get('amd64')!.perVcpuHour).toBeCloseTo(0.048, 9);
  });

  it.each([
    ['instanceTypes: {x: {vcpus: 2, hourly: 1}}', /needs arch/],
    ['instanceTypes: {x: {arch: amd64, vcpus: 0, hourly: 1}}', /more than 0/],
    ['instanceTypes: {x: {arch: amd64, vcpus: 2, hourly: cheap}}', /non-negative number/],
    ['foo: [', /invalid YAML/],
    ['{}', /no instanceTypes/],
  ])('rejects %j', (text, message) => {
    expect(() => parsePriceFile(text, 'p.yaml')).toThrow(message);
  });
});

describe('the example price file shipped in docs/examples', () => {
  it('parses, and prices both arches per vCPU-hour as its comments say (arm64 about 20% below amd64)', async () => {
    const { readFileSync } = await import('node:fs');
    const path = new URL('../../docs/examples/prices-aks-dsv6-dpsv6.example.yaml', import.meta.url);
    const file = parsePriceFile(readFileSync(path, 'utf8'), 'prices-aks-dsv6-dpsv6.example.yaml');
    const prices = mergePrices(pricesFromFile(file, null));
    expect(prices.get('amd64')?.perVcpuHour).toBeCloseTo(0.05, 6);
    expect(prices.get('arm64')?.perVcpuHour).toBeCloseTo(0.04, 6);
    expect(prices.get('arm64')!.basis).toContain('Standard_D');
  });
});
