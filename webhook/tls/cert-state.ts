import { certificateFacts, createCertificateAuthority, createServingCertificate, isIssuedBy, splitPemBundle, type KeyPairPem } from './certificates.js';

/**
 * What `--cert-mode self` keeps in its Secret (shared by all replicas):
 * - `signer`: the CA that signs serving certificates now;
 * - `next`: a CA being introduced: it is in the bundle but signs nothing until it has been there for `overlapMs`;
 * - `serving`: the certificate every replica serves;
 * - `caBundlePem`: every CA the apiserver must trust: signer, next, and older CAs until they expire
 *   (so replicas still serving a certificate from the old CA keep working during a rotation).
 */
export interface CertState {
  signer: KeyPairPem;
  next?: KeyPairPem & { since: string };
  serving: KeyPairPem;
  caBundlePem: string;
}

export interface CertPolicy {
  dnsNames: string[];
  caValidityDays: number;
  certValidityDays: number;
  /** Start introducing a new CA when the signer has less than this left. */
  caRotateBeforeDays: number;
  /** Reissue the serving certificate when it has less than this left. */
  certRenewBeforeDays: number;
  /** How long a new CA sits in the bundle before it signs anything (time for every apiserver and replica to see it). */
  overlapMs: number;
}

export const defaultCertPolicy: Omit<CertPolicy, 'dnsNames'> = {
  caValidityDays: 365,
  certValidityDays: 90,
  caRotateBeforeDays: 90,
  certRenewBeforeDays: 30,
  overlapMs: 60 * 60 * 1000,
};

const DAY_MS = 86_400_000;
const CA_NAME = 'archcheck-webhook-ca';

function expiresWithin(certPem: string, now: Date, days: number): boolean {
  return certificateFacts(certPem).notAfter.getTime() - now.getTime() < days * DAY_MS;
}

function usableSigner(ca: KeyPairPem, now: Date): boolean {
  const facts = certificateFacts(ca.certPem);
  return facts.isCA && facts.notAfter > now;
}

function servingFits(state: CertState, policy: CertPolicy, now: Date): boolean {
  const facts = certificateFacts(state.serving.certPem);
  return (
    isIssuedBy(state.serving.certPem, state.signer.certPem) &&
    policy.dnsNames.every((n) => facts.dnsNames.includes(n)) &&
    !expiresWithin(state.serving.certPem, now, policy.certRenewBeforeDays)
  );
}

/** Signer first, then next, then older CAs still valid; duplicates removed. */
function bundleOf(cas: string[], now: Date): string {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const pem of cas) {
    const key = pem.trim();
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      if (certificateFacts(pem).notAfter > now) kept.push(`${key}\n`);
    } catch {
      // unparsable leftovers are dropped
    }
  }
  return kept.join('');
}

function rotateCas(current: CertState | undefined, policy: CertPolicy, now: Date): Pick<CertState, 'signer' | 'next'> {
  if (!current || !usableSigner(current.signer, now)) return { signer: createCertificateAuthority(CA_NAME, policy.caValidityDays, now) };
  const { signer, next } = current;
  if (next && now.getTime() - Date.parse(next.since) >= policy.overlapMs) return { signer: { certPem: next.certPem, keyPem: next.keyPem } };
  if (!next && expiresWithin(signer.certPem, now, policy.caRotateBeforeDays)) {
    return { signer, next: { ...createCertificateAuthority(CA_NAME, policy.caValidityDays, now), since: now.toISOString() } };
  }
  return next ? { signer, next } : { signer };
}

/**
 * One step of the certificate life cycle, pure apart from key generation: create when missing, introduce a new CA
 * before the signer expires, promote it after the overlap, reissue the serving certificate when it expires soon,
 * lacks a DNS name, or was signed by another CA. `changed` says whether the Secret must be written.
 */
export function nextCertState(current: CertState | undefined, policy: CertPolicy, now = new Date()): { state: CertState; changed: boolean } {
  const cas = rotateCas(current, policy, now);
  const draft: CertState = { ...cas, serving: current?.serving ?? cas.signer, caBundlePem: '' };
  const serving = current && servingFits({ ...draft, serving: current.serving }, policy, now)
    ? current.serving
    : createServingCertificate(cas.signer, policy.dnsNames, policy.certValidityDays, { now });
  const previous = current ? splitPemBundle(current.caBundlePem) : [];
  const caBundlePem = bundleOf([cas.signer.certPem, ...(cas.next ? [cas.next.certPem] : []), ...previous], now);
  const state: CertState = { ...cas, serving, caBundlePem };
  return { state, changed: JSON.stringify(state) !== JSON.stringify(current) };
}
