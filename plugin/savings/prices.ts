import { parse } from 'yaml';
import type { ClusterNode } from '../inventory/inventory.js';
import { instanceTypeOf } from '../nodes/node-pools.js';

/** The price of one vCPU-hour on an arch, and how it was arrived at (shown with the arithmetic). */
export interface ArchPrice {
  arch: string;
  perVcpuHour: number;
  basis: string;
}

export interface InstanceTypePrice {
  name: string;
  arch: string;
  vcpus: number;
  hourly: number;
}

/** A price table: per instance type (`hourly` for the whole VM), and/or per vCPU-hour by arch. */
export interface PriceFile {
  name: string;
  instanceTypes: InstanceTypePrice[];
  perVcpuHour: Record<string, number>;
}

export class PriceError extends Error {
  override readonly name = 'PriceError';
}

function positiveNumber(value: unknown, where: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new PriceError(`${where}: expected a non-negative number, got ${JSON.stringify(value)}`);
  return n;
}

/** `--price amd64=0.048` (per vCPU-hour), repeatable. */
export function pricesFromFlags(values: readonly string[]): ArchPrice[] {
  return values.map((v) => {
    const m = /^([a-z0-9_]+)=(.+)$/.exec(v.trim());
    if (!m) throw new PriceError(`--price ${v}: expected ARCH=PRICE per vCPU-hour, e.g. amd64=0.048`);
    return { arch: m[1]!, perVcpuHour: positiveNumber(m[2], `--price ${v}`), basis: '--price' };
  });
}

interface RawPriceFile {
  instanceTypes?: Record<string, { arch?: unknown; vcpus?: unknown; vcpu?: unknown; hourly?: unknown; pricePerHour?: unknown }>;
  perVcpuHour?: Record<string, unknown>;
}

/**
 * Parses a price file:
 *   instanceTypes:
 *     Standard_D16_v3:   { arch: amd64, vcpus: 16, hourly: 0.768 }
 *     Standard_D16ps_v6: { arch: arm64, vcpus: 16, hourly: 0.562 }
 *   perVcpuHour: { amd64: 0.048 }      # optional, wins over instance types
 */
export function parsePriceFile(text: string, name: string): PriceFile {
  let raw: RawPriceFile;
  try {
    raw = (parse(text) ?? {}) as RawPriceFile;
  } catch (e) {
    throw new PriceError(`${name}: invalid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof raw !== 'object' || raw === null) throw new PriceError(`${name}: expected a mapping with instanceTypes and/or perVcpuHour`);
  const instanceTypes = Object.entries(raw.instanceTypes ?? {}).map(([type, v]): InstanceTypePrice => {
    const where = `${name}: instanceTypes.${type}`;
    if (typeof v?.arch !== 'string' || !v.arch) throw new PriceError(`${where}: needs arch (amd64, arm64)`);
    const vcpus = positiveNumber(v.vcpus ?? v.vcpu, `${where}.vcpus`);
    if (vcpus === 0) throw new PriceError(`${where}.vcpus: must be more than 0`);
    return { name: type, arch: v.arch, vcpus, hourly: positiveNumber(v.hourly ?? v.pricePerHour, `${where}.hourly`) };
  });
  const perVcpuHour = Object.fromEntries(Object.entries(raw.perVcpuHour ?? {}).map(([arch, p]) => [arch, positiveNumber(p, `${name}: perVcpuHour.${arch}`)]));
  if (instanceTypes.length === 0 && Object.keys(perVcpuHour).length === 0) throw new PriceError(`${name}: no instanceTypes or perVcpuHour entries`);
  return { name, instanceTypes, perVcpuHour };
}

function money(n: number): string {
  return `$${Number(n.toFixed(6))}`;
}

function typeBasis(t: InstanceTypePrice): string {
  return `${t.name} ${money(t.hourly)}/h ÷ ${t.vcpus} vCPU`;
}

/**
 * Per-vCPU prices by arch from a price file. For an arch the cluster already runs, the instance types of its
 * nodes (node.kubernetes.io/instance-type) that the file lists, weighted by node count; otherwise the file's
 * cheapest type per vCPU for that arch. `perVcpuHour` entries win.
 */
export function pricesFromFile(file: PriceFile, nodes: readonly ClusterNode[] | null): ArchPrice[] {
  const prices = new Map<string, ArchPrice>();
  const archs = [...new Set(file.instanceTypes.map((t) => t.arch))];
  for (const arch of archs) {
    const types = file.instanceTypes.filter((t) => t.arch === arch);
    const used = (nodes ?? []).filter((n) => n.arch === arch).map((n) => types.find((t) => t.name === instanceTypeOf(n))).filter((t): t is InstanceTypePrice => t !== undefined);
    if (used.length > 0) {
      const perVcpu = used.reduce((sum, t) => sum + t.hourly / t.vcpus, 0) / used.length;
      const counts = new Map<InstanceTypePrice, number>();
      for (const t of used) counts.set(t, (counts.get(t) ?? 0) + 1);
      const parts = [...counts].map(([t, n]) => `${typeBasis(t)} (${n} node${n === 1 ? '' : 's'})`);
      prices.set(arch, { arch, perVcpuHour: perVcpu, basis: counts.size === 1 ? parts[0]! : `mean over ${used.length} nodes of ${parts.join(', ')}` });
    } else {
      const cheapest = [...types].sort((a, b) => a.hourly / a.vcpus - b.hourly / b.vcpus)[0]!;
      prices.set(arch, { arch, perVcpuHour: cheapest.hourly / cheapest.vcpus, basis: `cheapest ${arch} type in ${file.name}: ${typeBasis(cheapest)}` });
    }
  }
  for (const [arch, p] of Object.entries(file.perVcpuHour)) prices.set(arch, { arch, perVcpuHour: p, basis: `${file.name} perVcpuHour` });
  return [...prices.values()];
}

/** File prices, then --price flags over them. */
export function mergePrices(...lists: ReadonlyArray<readonly ArchPrice[]>): Map<string, ArchPrice> {
  const out = new Map<string, ArchPrice>();
  for (const list of lists) for (const p of list) out.set(p.arch, p);
  return out;
}
