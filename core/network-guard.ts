import { ArchcheckError } from './errors.js';
import { canonicalHost, embeddedIPv4, formatIPv4, formatIPv6, parseIpLiteral, type IpBytes } from './ip-address.js';
import { hostOf } from './reference.js';

/**
 * Why an address is never contacted. Image strings, token realms and redirects are user- or registry-controlled,
 * and a hostile registry could point them at the cloud metadata service to steal the node's identity.
 * `metadata` and `link-local` are refused always; `unspecified` (0.0.0.0 reaches local services on Linux) and
 * `multicast` only unless a registry is explicitly configured at that host.
 */
export type AddressRisk = 'metadata' | 'link-local' | 'unspecified' | 'multicast';

export interface AddressVerdict {
  risk: AddressRisk;
  /** The address that carries the risk, in canonical form (the embedded IPv4 address for NAT64, 6to4 …). */
  address: string;
}

/** Cloud metadata services: AWS, Azure, GCP, Oracle (169.254.169.254), AWS over IPv6, Alibaba Cloud. */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);

/** Names that resolve to a metadata service on the clouds that define them; refused before any DNS lookup. */
const METADATA_HOSTNAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

function ipv4Risk(b: IpBytes): AddressRisk | undefined {
  if (METADATA_ADDRESSES.has(formatIPv4(b))) return 'metadata';
  if (b[0] === 169 && b[1] === 254) return 'link-local';
  if (b[0] === 0) return 'unspecified';
  if (b[0]! >= 224 && b[0]! <= 239) return 'multicast';
  if (b.every((x) => x === 255)) return 'multicast'; // limited broadcast
  return undefined;
}

function ipv6Risk(b: IpBytes): AddressRisk | undefined {
  if (METADATA_ADDRESSES.has(formatIPv6(b))) return 'metadata';
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return 'link-local';
  if (b[0] === 0xff) return 'multicast';
  if (b.every((x) => x === 0)) return 'unspecified';
  return undefined;
}

/**
 * The risk of an IP literal in any spelling (see ip-address.ts), including the IPv4 address an IPv6 address
 * embeds; undefined for an ordinary address or a DNS name. The worst risk wins when several apply.
 */
export function addressRisk(address: string): AddressVerdict | undefined {
  const bytes = parseIpLiteral(address.trim().replace(/\.+$/, ''));
  if (!bytes) return undefined;
  const verdicts: AddressVerdict[] = [];
  if (bytes.length === 4) {
    const risk = ipv4Risk(bytes);
    if (risk) verdicts.push({ risk, address: formatIPv4(bytes) });
  } else {
    const own = ipv6Risk(bytes);
    if (own) verdicts.push({ risk: own, address: formatIPv6(bytes) });
    for (const v4 of embeddedIPv4(bytes)) {
      const risk = ipv4Risk(v4);
      if (risk) verdicts.push({ risk, address: formatIPv4(v4) });
    }
  }
  const order: AddressRisk[] = ['metadata', 'link-local', 'unspecified', 'multicast'];
  return verdicts.sort((a, b) => order.indexOf(a.risk) - order.indexOf(b.risk))[0];
}

export interface GuardOptions {
  /** A registry is explicitly configured at this host: unspecified and multicast addresses are accepted there. */
  configured?: boolean;
}

/** Whether a connection to this address (literal, any spelling) must not be made. */
export function isForbiddenAddress(address: string, options: GuardOptions = {}): boolean {
  return refusal(address, options) !== undefined;
}

function refusal(address: string, options: GuardOptions): AddressVerdict | undefined {
  const verdict = addressRisk(address);
  if (!verdict) return undefined;
  if (options.configured && (verdict.risk === 'unspecified' || verdict.risk === 'multicast')) return undefined;
  return verdict;
}

/** `host` may carry a port: `metadata.google.internal:80`. */
export function isMetadataHostname(host: string): boolean {
  return METADATA_HOSTNAMES.has(canonicalHost(hostOf(host)));
}

const EXPLANATION: Record<AddressRisk, string> = {
  metadata: 'a cloud metadata address',
  'link-local': 'a link-local address',
  unspecified: 'an unspecified address (configure a registry there explicitly to allow it)',
  multicast: 'a multicast or broadcast address (configure a registry there explicitly to allow it)',
};

/** The one-line reason a host or one of its resolved addresses is refused, or undefined when it may be contacted. */
export function refusalReason(host: string, address: string, options: GuardOptions = {}): string | undefined {
  if (isMetadataHostname(host)) return `${host} names a cloud metadata service`;
  const verdict = refusal(address, options);
  if (!verdict) return undefined;
  const written = address.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const shown = written === verdict.address ? verdict.address : `${written} (which reaches ${verdict.address})`;
  return `${shown} is ${EXPLANATION[verdict.risk]}`;
}

/**
 * Why a URL's hostname is refused before any DNS lookup: an IP literal in any spelling (brackets allowed) by its
 * address, a DNS name only when it names a metadata service (its answers are checked at connect time).
 */
export function hostRefusal(hostname: string, options: GuardOptions = {}): string | undefined {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return refusalReason(hostname, parseIpLiteral(bare) ? bare : '', options);
}

export function forbiddenAddressError(host: string, reason: string): ArchcheckError {
  return new ArchcheckError('FORBIDDEN_ADDRESS', `refusing to connect to ${host}: ${reason}; link-local and cloud metadata addresses are never contacted`, {
    registry: host,
  });
}

export function assertAllowedAddress(address: string, host: string, options: GuardOptions = {}): void {
  const reason = refusalReason(host, address, options);
  if (reason) throw forbiddenAddressError(host, reason);
}
