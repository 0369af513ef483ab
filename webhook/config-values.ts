export { checkedText, parseBoolean, parseBoundedDuration, parseBoundedInteger, parseEnum, parseHostAssignment, parseHostPort, parseText } from '../core/settings/setting-values.js';

/** Parsers for config values. Each throws an Error whose message says what was expected; the caller adds where the value came from. */

export interface ListenAddress {
  host: string;
  port: number;
}

export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error('expected HOST:PORT, e.g. 0.0.0.0:8443 or [::]:8443 (port 0 picks a free one)');
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** `HOST:PORT`, or empty for "not listening". */
export function parseOptionalListen(text: string): ListenAddress | undefined {
  return text.trim() === '' ? undefined : parseListen(text);
}

const ARCH = /^[a-z0-9][a-z0-9_]*$/;

export function parseArch(text: string): string {
  const v = text.trim();
  if (!ARCH.test(v)) throw new Error('expected an architecture name as in the kubernetes.io/arch label, e.g. amd64 or arm64');
  return v;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A namespace or Service name (DNS label); empty when `allowEmpty`. */
export function parseDnsLabel(allowEmpty: boolean): (text: string) => string {
  return (text) => {
    const v = text.trim();
    if (v === '' && allowEmpty) return v;
    if (!DNS_LABEL.test(v)) throw new Error('expected a DNS label: lower-case letters, digits and "-", at most 63 characters');
    return v;
  };
}

/** A Secret or webhook configuration name (DNS subdomain); empty when `allowEmpty`. */
export function parseObjectName(allowEmpty: boolean): (text: string) => string {
  return (text) => {
    const v = text.trim();
    if (v === '' && allowEmpty) return v;
    if (!DNS_SUBDOMAIN.test(v)) throw new Error('expected a Kubernetes object name: lower-case letters, digits, "-" and "."');
    return v;
  };
}

