/**
 * IP literals in every spelling a URL, a DNS answer or libc accepts, reduced to one canonical form, so that a check
 * on "the address" cannot be bypassed by writing the same address differently.
 */

/** Four bytes (IPv4) or sixteen (IPv6). */
export type IpBytes = number[];

const IPV4_PART = /^(?:0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)$/;

function parseIPv4Part(part: string): number | undefined {
  if (!IPV4_PART.test(part)) return undefined;
  if (/^0[xX]/.test(part)) return part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16);
  if (part.length > 1 && part.startsWith('0')) return Number.parseInt(part.slice(1), 8);
  return Number.parseInt(part, 10);
}

/**
 * IPv4 as the WHATWG URL parser and inet_aton read it: one to four dot-separated parts, each decimal, octal
 * (leading 0) or hex (0x); the last part fills the remaining bytes; one trailing dot allowed.
 * `2852039166`, `0xa9fea9fe`, `0251.0376.0251.0376` and `169.254.43518` are all 169.254.169.254.
 */
export function parseIPv4(text: string): IpBytes | undefined {
  const parts = text.split('.');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 0 || parts.length > 4) return undefined;
  const values = parts.map(parseIPv4Part);
  if (values.some((v) => v === undefined || !Number.isFinite(v))) return undefined;
  const nums = values as number[];
  const last = nums.pop()!;
  if (nums.some((v) => v > 255) || last >= 256 ** (4 - nums.length)) return undefined;
  const bytes = [...nums];
  for (let i = 3 - nums.length; i >= 0; i--) bytes.push(Math.floor(last / 256 ** i) % 256);
  return bytes;
}

function hextets(group: string): number[] | undefined {
  if (group === '') return [];
  const out: number[] = [];
  const pieces = group.split(':');
  for (const [i, piece] of pieces.entries()) {
    if (i === pieces.length - 1 && piece.includes('.')) {
      const v4 = /^\d{1,3}(?:\.\d{1,3}){3}$/.test(piece) ? parseIPv4(piece.replace(/\b0+(\d)/g, '$1')) : undefined;
      if (!v4) return undefined;
      out.push(v4[0]! * 256 + v4[1]!, v4[2]! * 256 + v4[3]!);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
      out.push(Number.parseInt(piece, 16));
    } else {
      return undefined;
    }
  }
  return out;
}

/** IPv6 with `::` compression, an embedded dotted IPv4 tail and an optional zone (`fe80::1%eth0`). */
export function parseIPv6(text: string): IpBytes | undefined {
  const address = text.replace(/%.*$/, '');
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const head = hextets(halves[0]!);
  const tail = halves.length === 2 ? hextets(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const words = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

/** An IP literal as written in a URL host (brackets and trailing dots allowed); undefined for a DNS name. */
export function parseIpLiteral(host: string): IpBytes | undefined {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare.includes(':')) return parseIPv6(bare);
  return parseIPv4(bare);
}

export function formatIPv4(bytes: IpBytes): string {
  return bytes.join('.');
}

/** RFC 5952 text: lower-case, no leading zeros, the longest run of two or more zero groups as `::`. */
export function formatIPv6(bytes: IpBytes): string {
  const words = Array.from({ length: 8 }, (_, i) => bytes[2 * i]! * 256 + bytes[2 * i + 1]!);
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

/** `::ffff:a.b.c.d`: the same socket destination as a.b.c.d on a dual-stack host. */
export function mappedIPv4(bytes: IpBytes): IpBytes | undefined {
  if (bytes.length !== 16) return undefined;
  const prefix = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return prefix ? bytes.slice(12) : undefined;
}

/**
 * Every IPv4 address an IPv6 address carries and may deliver to: IPv4-mapped (::ffff:0:0/96), IPv4-compatible
 * (::/96, but not :: or ::1), NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48), 6to4 (2002::/16, bits
 * 16–47) and Teredo (2001:0::/32: the server at bits 32–63, the client inverted at bits 96–127).
 */
export function embeddedIPv4(bytes: IpBytes): IpBytes[] {
  if (bytes.length !== 16) return [];
  const low = bytes.slice(12);
  const mapped = mappedIPv4(bytes);
  if (mapped) return [mapped];
  const zeroPrefix = bytes.slice(0, 12).every((b) => b === 0);
  if (zeroPrefix) return low[0] === 0 && low[1] === 0 && low[2] === 0 && low[3]! <= 1 ? [] : [low];
  const word = (i: number): number => bytes[2 * i]! * 256 + bytes[2 * i + 1]!;
  if (word(0) === 0x64 && word(1) === 0xff9b && (word(2) === 1 || bytes.slice(4, 12).every((b) => b === 0))) return [low];
  if (word(0) === 0x2002) return [bytes.slice(2, 6)];
  if (word(0) === 0x2001 && word(1) === 0) return [bytes.slice(4, 8), low.map((b) => b ^ 0xff)];
  return [];
}

/**
 * One spelling per host, used wherever two hosts are compared: lower-case, trailing dots removed, IPv4 in dotted
 * decimal, IPv6 in RFC 5952 form without brackets, and an IPv4-mapped IPv6 address as the IPv4 address it reaches.
 * NAT64, 6to4 and Teredo addresses stay IPv6: they reach their IPv4 address through a gateway, as another host.
 */
export function canonicalHost(host: string): string {
  const trimmed = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const bare = trimmed.includes(':') ? trimmed : trimmed.replace(/\.+$/, '');
  const bytes = parseIpLiteral(bare);
  if (!bytes) return bare;
  if (bytes.length === 4) return formatIPv4(bytes);
  const mapped = mappedIPv4(bytes);
  return mapped ? formatIPv4(mapped) : formatIPv6(bytes);
}

/** `host[:port]` with the host in canonical form, e.g. `[::ffff:7f00:1]:5000` → `127.0.0.1:5000`. */
export function canonicalHostPort(hostPort: string): string {
  const m = /^\[([^\]]*)\](?::(\d*))?$/.exec(hostPort) ?? /^([^:]*)(?::(\d*))?$/.exec(hostPort);
  if (!m) return canonicalHost(hostPort);
  const host = canonicalHost(m[1]!);
  const hostText = host.includes(':') ? `[${host}]` : host;
  return m[2] ? `${hostText}:${m[2]}` : hostText;
}

/** A URL's destination for identity checks: canonical host and the port actually used. */
export function urlDestination(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '');
  return canonicalHostPort(`${url.hostname}:${port}`);
}
