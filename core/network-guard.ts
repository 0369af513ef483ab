import { isIP } from 'node:net';
import { ArchcheckError } from './errors.js';

/**
 * Addresses archcheck never connects to: image strings, token realms and redirects are user- or registry-controlled,
 * and a hostile registry could point them at the cloud metadata service to steal the node's identity.
 */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return isForbiddenV4(address);
  if (family === 6) return isForbiddenV6(address.toLowerCase());
  return false;
}

function isForbiddenV4(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  if (a === 169 && b === 254) return true; // link-local, AWS/Azure/GCP metadata 169.254.169.254
  if (ip === '100.100.100.200') return true; // Alibaba Cloud metadata
  if (a === 0) return true; // "this host": 0.0.0.0 reaches local services on Linux
  return false;
}

function isForbiddenV6(ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (mapped) return isForbiddenV4(mapped[1]!);
  if (/^fe[89ab][0-9a-f]?:/.test(ip)) return true; // fe80::/10 link-local
  if (ip === 'fd00:ec2::254') return true; // AWS metadata over IPv6
  if (ip === '::') return true;
  return false;
}

export function assertAllowedAddress(address: string, host: string): void {
  if (isForbiddenAddress(address)) {
    throw new ArchcheckError(
      'FORBIDDEN_ADDRESS',
      `refusing to connect to ${host} (${address}): link-local and cloud metadata addresses are never contacted`,
      { registry: host },
    );
  }
}
