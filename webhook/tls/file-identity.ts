import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { TlsIdentity } from '../server/https-server.js';
import { FilePoller } from './file-poller.js';

export async function readIdentityFiles(certFile: string, keyFile: string): Promise<TlsIdentity> {
  const [certPem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return { certPem, keyPem };
}

/**
 * `--cert-mode file`: re-reads the certificate and key and hands a changed pair to `apply` (cert-manager and
 * kubelet's Secret volumes swap files through symlinks; see FilePoller).
 */
export class FileIdentityWatcher extends FilePoller<TlsIdentity> {
  constructor(files: { certFile: string; keyFile: string }, current: TlsIdentity, apply: (identity: TlsIdentity) => void, logger: Logger, intervalMs = 10_000) {
    super(
      {
        load: () => readIdentityFiles(files.certFile, files.keyFile),
        fingerprint: (identity) => identity.certPem + identity.keyPem,
        apply,
        logFields: { certFile: files.certFile },
        reloaded: 'serving certificate reloaded',
        notLoadable: 'certificate files not loadable yet; keeping the current one',
      },
      current,
      logger,
      intervalMs,
    );
  }
}
