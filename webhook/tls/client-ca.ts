import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The CA bundle that client certificates must chain to (`--client-ca-file`): PEM certificates only, each one
 * parsed, so a wrong file (a key, a kubeconfig, an empty Secret key) stops start-up instead of refusing every
 * API server call at TLS with nothing in the log.
 */
export async function readClientCa(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new Error(`${file} holds no PEM certificate (expected the CA that signed the API server's client certificate)`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (e) {
      throw new Error(`${file}: a certificate does not parse: ${(e as Error).message}`);
    }
  }
  return blocks.join('\n');
}

/**
 * Re-reads the client CA bundle every `intervalMs` and hands a changed one to `apply`, so a CA rotated in its
 * Secret or ConfigMap (new CA appended before the old one is dropped) is trusted without a restart. A file that
 * does not load (half-written update) is skipped and retried.
 */
export class ClientCaWatcher {
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly file: string,
    private last: string,
    private readonly apply: (caPem: string) => void,
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {}

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
      const next = await readClientCa(this.file);
      if (next === this.last) return;
      this.apply(next);
      this.last = next;
      this.logger.info({ clientCAFile: this.file }, 'client CA bundle reloaded');
    } catch (e) {
      this.logger.warn({ clientCAFile: this.file, error: (e as Error).message }, 'client CA bundle not loadable; keeping the current one');
    } finally {
      this.polling = false;
    }
  }
}
