import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { certificateFacts, isIssuedBy, splitPemBundle } from './certificates.js';
import { defaultCertPolicy, nextCertState, type CertPolicy } from './cert-state.js';

const DAY = 86_400_000;
const T0 = new Date('2026-01-01T00:00:00Z');
const at = (days: number): Date => new Date(T0.getTime() + days * DAY);
const policy: CertPolicy = { ...defaultCertPolicy, dnsNames: ['archcheck-webhook', 'archcheck-webhook.archcheck', 'archcheck-webhook.archcheck.svc'] };

describe('nextCertState: the certificate life cycle', () => {
  const created = nextCertState(undefined, policy, T0);
  const { state } = created;

  it('creates a CA and a serving certificate for the Service names', () => {
    expect(created.changed).toBe(true);
    const serving = certificateFacts(state.serving.certPem);
    expect(serving.dnsNames).toEqual(policy.dnsNames);
    expect(serving.isCA).toBe(false);
    expect(serving.notBefore.getTime()).toBeLessThan(T0.getTime()); // backdated for clock skew
    expect(serving.notAfter).toEqual(at(90));
    expect(certificateFacts(state.signer.certPem).isCA).toBe(true);
    expect(isIssuedBy(state.serving.certPem, state.signer.certPem)).toBe(true);
    expect(splitPemBundle(state.caBundlePem)).toHaveLength(1);
    const cert = forge.pki.certificateFromPem(state.serving.certPem);
    expect((cert.getExtension('extKeyUsage') as { serverAuth?: boolean }).serverAuth).toBe(true);
    // Positive and minimally encoded (Go's x509 refuses a leading zero byte): the first byte 0x01–0x7f.
    expect(cert.serialNumber).toMatch(/^(0[1-9a-f]|[1-7][0-9a-f])[0-9a-f]{30}$/);
  });

  it('leaves a good state alone', () => {
    expect(nextCertState(state, policy, at(10)).changed).toBe(false);
  });

  it('reissues the serving certificate 30 days before it expires, with the same CA', () => {
    const renewed = nextCertState(state, policy, at(61));
    expect(renewed.changed).toBe(true);
    expect(renewed.state.signer).toEqual(state.signer);
    expect(renewed.state.serving.certPem).not.toBe(state.serving.certPem);
    expect(renewed.state.caBundlePem).toBe(state.caBundlePem);
  });

  it('reissues when the Service names change', () => {
    const renamed = nextCertState(state, { ...policy, dnsNames: ['other', 'other.archcheck', 'other.archcheck.svc'] }, at(1));
    expect(certificateFacts(renamed.state.serving.certPem).dnsNames).toContain('other.archcheck.svc');
  });

  it('rotates the CA with overlap: introduce, promote after the overlap, drop the old one when it expires', () => {
    // Phase 1: 85 days before the CA expires a new CA joins the bundle but signs nothing yet.
    const introduced = nextCertState(state, policy, at(280)).state;
    expect(introduced.next).toBeDefined();
    expect(introduced.signer).toEqual(state.signer);
    expect(splitPemBundle(introduced.caBundlePem)).toHaveLength(2);
    expect(isIssuedBy(introduced.serving.certPem, state.signer.certPem)).toBe(true);
    expect(nextCertState(introduced, policy, new Date(at(280).getTime() + 60_000)).changed).toBe(false);

    // Phase 2: after the overlap the new CA signs; the old CA stays trusted.
    const promoted = nextCertState(introduced, policy, new Date(at(280).getTime() + policy.overlapMs)).state;
    expect(promoted.next).toBeUndefined();
    expect(promoted.signer.certPem).toBe(introduced.next!.certPem);
    expect(isIssuedBy(promoted.serving.certPem, promoted.signer.certPem)).toBe(true);
    expect(splitPemBundle(promoted.caBundlePem)).toHaveLength(2);

    // Phase 3: once the old CA has expired it leaves the bundle.
    const later = nextCertState(promoted, policy, at(366)).state;
    expect(splitPemBundle(later.caBundlePem).map((p) => p.trim())).toEqual([promoted.signer.certPem.trim()]);
  });

  it('serving certificates never outlive their CA', () => {
    const introduced = nextCertState(state, policy, at(300)).state;
    expect(certificateFacts(introduced.serving.certPem).notAfter.getTime()).toBeLessThanOrEqual(certificateFacts(state.signer.certPem).notAfter.getTime());
  });
});
