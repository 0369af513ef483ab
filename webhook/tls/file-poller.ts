import type { Logger } from 'pino';

/** What a FilePoller reads, how it tells a change, what it does with one, and how it says so in the log. */
export interface PolledFiles<T> {
  load(): Promise<T>;
  fingerprint(value: T): string;
  apply(value: T): void;
  logFields: Record<string, string>;
  reloaded: string;
  notLoadable: string;
}

/**
 * Re-reads mounted files every `intervalMs` and hands a changed value to `apply`. Kubelet's Secret and ConfigMap
 * volumes (and cert-manager) swap files through symlinks, which file watches miss; a poll of a few small files does
 * not. A value that does not load (a half-written update) is skipped and retried next time.
 */
export class FilePoller<T> {
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private last: string;

  constructor(
    private readonly files: PolledFiles<T>,
    current: T,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {
    this.last = files.fingerprint(current);
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
      const next = await this.files.load();
      const fingerprint = this.files.fingerprint(next);
      if (fingerprint === this.last) return;
      this.files.apply(next);
      this.last = fingerprint;
      this.logger.info(this.files.logFields, this.files.reloaded);
    } catch (e) {
      this.logger.warn({ ...this.files.logFields, error: (e as Error).message }, this.files.notLoadable);
    } finally {
      this.polling = false;
    }
  }
}
