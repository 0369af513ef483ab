import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { randomSerial } from '../../webhook/tls/certificates.js';

/** PEM material for a server signed by a private CA. */
export interface TlsMaterial {
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

/** A self-signed certificate and its key, used to sign registry tokens. */
export interface SigningMaterial {
  certPem: string;
  /** PKCS#8 PEM, usable by node:crypto. */
  keyPem: string;
  /** base64 DER of the certificate, as the JWT `x5c` header wants it. */
  certDerBase64: string;
}

interface KeyPair {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
  keyPem: string;
}

const generateRsa = promisify(generateKeyPair);

async function newKeyPair(): Promise<KeyPair> {
  // node:crypto generates natively (forge's pure-JS generator takes many seconds);
  // forge is only used to build and sign the certificates.
  const { privateKey, publicKey } = await generateRsa('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    keyPem: privateKey,
  };
}

type KeyRole = 'ca' | 'server' | 'signing';
const keyCache = new Map<KeyRole, Promise<KeyPair>>();

/**
 * RSA-2048 generation costs ~0.5 s here, so each role's key is made once per process
 * and reused; certificates (subjects, serials) are fresh on every call, which is what
 * tests tell apart. `fresh` forces a new key.
 */
function keyFor(role: KeyRole, fresh: boolean): Promise<KeyPair> {
  if (fresh) return newKeyPair();
  let key = keyCache.get(role);
  if (!key) {
    key = newKeyPair();
    keyCache.set(role, key);
  }
  return key;
}


function baseCert(publicKey: forge.pki.rsa.PublicKey, commonName: string, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // The webhook's own serials: docker-registry's Go x509 refuses what kube-apiserver's would.
  cert.serialNumber = randomSerial();
  // Backdated so a slightly skewed clock in a child process never sees "not yet valid".
  cert.validity.notBefore = new Date(Date.now() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(Date.now() + days * 24 * 60 * 60 * 1000);
  cert.setSubject([{ name: 'commonName', value: commonName }, { name: 'organizationName', value: 'archcheck tests' }]);
  return cert;
}

function toDerBase64(cert: forge.pki.Certificate): string {
  return forge.util.encode64(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes());
}

export interface TlsOptions {
  /** Extra DNS names for the server certificate (localhost is always included). */
  dnsNames?: string[];
  /** Extra IP addresses (127.0.0.1 and ::1 are always included). */
  ipAddresses?: string[];
  commonName?: string;
  /** Generate new keys instead of the per-process cached ones. */
  freshKeys?: boolean;
}

/** A private CA and a server certificate for 127.0.0.1/localhost signed by it. */
export async function createTlsMaterial(opts: TlsOptions = {}): Promise<TlsMaterial> {
  const [caKeys, serverKeys] = await Promise.all([
    keyFor('ca', opts.freshKeys ?? false),
    keyFor('server', opts.freshKeys ?? false),
  ]);
  const ca = baseCert(caKeys.publicKey, `archcheck test CA ${randomBytes(4).toString('hex')}`, 30);
  ca.setIssuer(ca.subject.attributes);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const server = baseCert(serverKeys.publicKey, opts.commonName ?? '127.0.0.1', 30);
  server.setIssuer(ca.subject.attributes);
  const altNames = [
    ...['localhost', ...(opts.dnsNames ?? [])].map((value) => ({ type: 2, value })),
    ...['127.0.0.1', '::1', ...(opts.ipAddresses ?? [])].map((ip) => ({ type: 7, ip })),
  ];
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  server.sign(caKeys.privateKey, forge.md.sha256.create());

  return {
    caCertPem: forge.pki.certificateToPem(ca),
    certPem: forge.pki.certificateToPem(server),
    keyPem: serverKeys.keyPem,
  };
}

/**
 * A self-signed certificate for the token issuer. distribution verifies a token's
 * `x5c` chain against `rootcertbundle`; a self-signed leaf that is itself in the
 * bundle is a complete chain, so no CA is needed.
 */
export async function createSigningMaterial(
  commonName = `archcheck test token issuer ${randomBytes(4).toString('hex')}`,
): Promise<SigningMaterial> {
  const keys = await keyFor('signing', false);
  const cert = baseCert(keys.publicKey, commonName, 30);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, critical: true },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem, certDerBase64: toDerBase64(cert) };
}
