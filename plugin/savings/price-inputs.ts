import { readFile } from 'node:fs/promises';
import type { ClusterNode } from '../inventory/inventory.js';
import { UsageError } from '../usage-error.js';
import { mergePrices, parsePriceFile, pricesFromFile, pricesFromFlags, PriceError, type ArchPrice, type PriceFile } from './prices.js';

/** Prices as given (`--price`, `--price-file`), checked; per-arch figures come once the nodes are known. */
export interface PriceInputs {
  file: PriceFile | undefined;
  flags: ArchPrice[];
}

async function readPriceFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--price-file ${path}: ${(e as Error).message}`);
  }
}

/** Reads and checks prices before anything is audited, so a typo fails fast (exit 2). */
export async function readPriceInputs(priceFlags: readonly string[], priceFile: string | undefined, targetArch: string): Promise<PriceInputs> {
  if (priceFlags.length === 0 && !priceFile) throw new UsageError('savings needs prices: --price amd64=X --price arm64=Y (per vCPU-hour) or --price-file');
  try {
    const file = priceFile ? parsePriceFile(await readPriceFile(priceFile), priceFile) : undefined;
    const flags = pricesFromFlags(priceFlags);
    const known = new Set([...flags.map((p) => p.arch), ...(file?.instanceTypes.map((t) => t.arch) ?? []), ...Object.keys(file?.perVcpuHour ?? {})]);
    if (!known.has(targetArch)) {
      throw new PriceError(`no price for the target arch ${targetArch}: pass --price ${targetArch}=PRICE or list ${targetArch} instance types in --price-file`);
    }
    return { file, flags };
  } catch (e) {
    if (e instanceof PriceError) throw new UsageError(e.message);
    throw e;
  }
}

/** Per-vCPU prices by arch: the file's (priced from the nodes' instance types when known), then --price over them. */
export function archPrices(inputs: PriceInputs, nodes: readonly ClusterNode[] | null): Map<string, ArchPrice> {
  return mergePrices(inputs.file ? pricesFromFile(inputs.file, nodes) : [], inputs.flags);
}
