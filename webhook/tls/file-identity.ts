import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { TlsIdentity } from '../server/https-server.js';

export async function readIdentityFiles(certFile: string, keyFile: string): Promise<TlsIdentity> {
  const [certPem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return { certPem, keyPem };
}

/**
 * `--cert-mode file`: re-reads the certificate and key every `intervalMs` and hands a changed pair to `apply`
 * (cert-manager and kubelet's Secret volumes swap files through symlinks, which file watches miss; a poll of two
 * small files does not). A pair that does not load (half-written rotation) is skipped and retried next time.
 */
export class FileIdentityWatcher {
  private timer: NodeJS.Timeout | undefined;
  private last: string;
  private polling = false;

  constructor(
    private readonly files: { certFile: string; keyFile: string },
    current: TlsIdentity,
    private readonly apply: (identity: TlsIdentity) => void,
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {
    this.last = current.certPem + current.keyPem;
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One check; exposed for tests. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const next = await readIdentityFiles(this.files.certFile, this.files.keyFile);
      if (next.certPem + next.keyPem === this.last) return;
      this.apply(next);
      this.last = next.certPem + next.keyPem;
      this.logger.info({ certFile: this.files.certFile }, 'serving certificate reloaded');
    } catch (e) {
      this.logger.warn({ certFile: this.files.certFile, error: (e as Error).message }, 'certificate files not loadable yet; keeping the current one');
    } finally {
      this.polling = false;
    }
  }
}
