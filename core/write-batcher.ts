/** When a batch is written: this long after its first record, or at once when this many bytes wait. */
export interface BatchLimits {
  delayMs: number;
  maxBytes: number;
}

/**
 * Collects records and hands them to `write` in batches, one batch at a time and in order: after `delayMs`, once
 * `maxBytes` wait, or on `flush()`. A cold audit stores a few thousand small records; one append each cost more
 * main-thread CPU than the registry request behind it (docs/perf/audit-profile.md). `add` resolves when its batch is
 * written (or failed: `write` handles its own failures). The delay timer holds the process open (at most `delayMs`)
 * so nothing added is dropped at exit; an owner's close() calls `flush()` to write at once.
 */
export class WriteBatcher<T> {
  private records: T[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private batch: { written: Promise<void>; release: () => void } | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (records: T[]) => Promise<void>,
    private readonly limits: BatchLimits,
  ) {}

  /** Records added and not yet handed to `write`. */
  get waiting(): readonly T[] {
    return this.records;
  }

  add(record: T, bytes: number): Promise<void> {
    this.records.push(record);
    this.bytes += bytes;
    this.batch ??= this.openBatch();
    const { written } = this.batch;
    if (this.bytes >= this.limits.maxBytes) void this.flush();
    return written;
  }

  /** Hands what waits to `write` now; resolves when every batch so far is written. */
  flush(): Promise<void> {
    const batch = this.batch;
    if (batch) {
      clearTimeout(this.timer);
      const records = this.records;
      this.records = [];
      this.bytes = 0;
      this.batch = undefined;
      this.timer = undefined;
      this.chain = this.chain.then(() => this.write(records).catch(() => undefined)).then(batch.release);
    }
    return this.chain;
  }

  private openBatch(): { written: Promise<void>; release: () => void } {
    let release!: () => void;
    const written = new Promise<void>((resolve) => (release = resolve));
    this.timer = setTimeout(() => void this.flush(), this.limits.delayMs);
    return { written, release };
  }
}
