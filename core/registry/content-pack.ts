/**
 * The record format of the on-disk content store's pack files: each record is one header line
 * (`{"digest":…,"contentType":…,"size":N}`) followed by exactly `size` bytes of body. A pack is only ever appended
 * to, so its tail may be a record another process is still writing: parsing stops at the first record that is
 * incomplete or not well formed, and what came before it stays usable.
 */

export interface PackRecord {
  digest: string;
  contentType: string | null;
  /** Where the body starts in the pack. */
  offset: number;
  size: number;
}

export function encodeRecord(digest: string, contentType: string | null, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${JSON.stringify({ digest, contentType, size: body.length })}\n`), body]);
}

/**
 * The records whose headers lie in `chunk`, a window of a pack read from `base`, up to the first malformed one or
 * one whose body would run past `packSize` (half written). `next` is where the header after the last record starts:
 * read the next window from there. A window that yields nothing ends the walk.
 */
export function parseWindow(chunk: Buffer, base: number, packSize: number): { records: PackRecord[]; next: number } {
  const records: PackRecord[] = [];
  let at = 0;
  while (at < chunk.length) {
    const newline = chunk.indexOf(0x0a, at);
    if (newline === -1) break;
    const header = parseHeader(chunk.subarray(at, newline));
    const offset = base + newline + 1;
    if (!header || offset + header.size > packSize) break;
    records.push({ ...header, offset });
    at = newline + 1 + header.size;
  }
  return { records, next: base + at };
}

/** All the records of a whole pack held in memory (tests, small packs). */
export function parsePack(pack: Buffer): PackRecord[] {
  return parseWindow(pack, 0, pack.length).records;
}

function parseHeader(line: Buffer): Omit<PackRecord, 'offset'> | undefined {
  let header: { digest?: unknown; contentType?: unknown; size?: unknown };
  try {
    header = JSON.parse(line.toString('utf8')) as typeof header;
  } catch {
    return undefined;
  }
  if (typeof header !== 'object' || header === null) return undefined;
  const { digest, contentType, size } = header;
  if (typeof digest !== 'string' || typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return undefined;
  return { digest, contentType: typeof contentType === 'string' ? contentType : null, size };
}
