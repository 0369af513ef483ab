import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

const { pki } = forge;

/** A certificate with its private key, PEM. */
export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

export interface CertificateFacts {
  notBefore: Date;
  notAfter: Date;
  isCA: boolean;
  dnsNames: string[];
  /** Subject common name. */
  commonName: string;
}

const DAY_MS = 86_400_000;
/** Clocks in a cluster disagree; a certificate valid from an hour ago works on all of them. */
const BACKDATE_MS = 60 * 60 * 1000;

/** 2048-bit RSA through Node's native crypto (node-forge's pure-JS keygen takes seconds). */
function newKeyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: pki.setRsaPublicKey(forgeKey.n, forgeKey.e), keyPem };
}

/**
 * A random 128-bit serial (RFC 5280: positive, at most 20 octets), as hex: 16 random bytes, the first in 0x01–0x7f,
 * so the DER INTEGER is positive with no leading zero byte. (A first byte of 0x00
 * made node-forge drop it, and with a second 0x00 the encoding was not minimal: Go's x509 — kube-apiserver — refuses
 * such a certificate as "malformed serial number", about once in 65,536 certificates.)
 */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate, now: Date, days: number, notAfterCap?: Date): void {
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  const wanted = new Date(now.getTime() + days * DAY_MS);
  cert.validity.notAfter = notAfterCap && notAfterCap < wanted ? notAfterCap : wanted;
}

/** A self-signed CA for the webhook's serving certificates. */
export function createCertificateAuthority(commonName: string, validityDays: number, now = new Date()): KeyPairPem {
  const keys = newKeyPair();
  const cert = pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerial();
  validity(cert, now, validityDays);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: pki.certificateToPem(cert), keyPem: keys.keyPem };
}

/**
 * A serving certificate for `dnsNames` (first is the common name) signed by `ca`: serverAuth, random serial,
 * NotBefore backdated an hour, NotAfter capped at the CA's.
 */
export function createServingCertificate(ca: KeyPairPem, dnsNames: string[], validityDays: number, options: { ipAddresses?: string[]; now?: Date } = {}): KeyPairPem {
  const caCert = pki.certificateFromPem(ca.certPem);
  const caKey = pki.privateKeyFromPem(ca.keyPem);
  const keys = newKeyPair();
  const cert = pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerial();
  validity(cert, options.now ?? new Date(), validityDays, caCert.validity.notAfter);
  cert.setSubject([{ name: 'commonName', value: dnsNames[0] ?? 'archcheck-webhook' }]);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = [...dnsNames.map((value) => ({ type: 2, value })), ...(options.ipAddresses ?? []).map((ip) => ({ type: 7, ip }))];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: pki.certificateToPem(cert), keyPem: keys.keyPem };
}

/** Validity, CA flag and DNS SANs of a PEM certificate. */
export function certificateFacts(certPem: string): CertificateFacts {
  const cert = pki.certificateFromPem(certPem);
  const basic = cert.getExtension('basicConstraints') as { cA?: boolean } | null;
  const san = cert.getExtension('subjectAltName') as { altNames?: { type: number; value?: string }[] } | null;
  const cn = cert.subject.getField('CN') as { value?: string } | null;
  return {
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
    isCA: basic?.cA === true,
    dnsNames: (san?.altNames ?? []).filter((n) => n.type === 2 && n.value).map((n) => n.value!),
    commonName: cn?.value ?? '',
  };
}

/** Whether `certPem` was signed by the CA in `caPem`. */
export function isIssuedBy(certPem: string, caPem: string): boolean {
  try {
    return pki.certificateFromPem(caPem).verify(pki.certificateFromPem(certPem));
  } catch {
    return false;
  }
}

/** The PEM certificates in a bundle, in order. */
export function splitPemBundle(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((p) => `${p}\n`) ?? [];
}

/** The DNS names a Service is reached by from the apiserver. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}
