/**
 * A keyed work queue in the style of client-go's: a key is queued at most once, never processed by two workers at
 * once (added again while running, it runs once more afterwards), and `retryLater` re-adds it after a per-key
 * exponential backoff. The handler gets the key only: it reads the object's latest state itself.
 */
export interface WorkQueueOptions {
  concurrency: number;
  /** First retry delay; doubles per consecutive retry of the same key up to maxBackoffMs. */
  baseBackoffMs: number;
  maxBackoffMs: number;
}

export type WorkResult = { retryAfterMs?: number } | 'retry' | 'done';

export class WorkQueue {
  private readonly queued: string[] = [];
  private readonly queuedSet = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  private active = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: (key: string) => Promise<WorkResult>,
    private readonly options: WorkQueueOptions,
    private readonly onError: (key: string, error: unknown) => void = () => undefined,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    const timer = this.timers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(key);
    }
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queuedSet.has(key)) return;
    this.queuedSet.add(key);
    this.queued.push(key);
    this.pump();
  }

  /** Forget a key's backoff (the object is gone or done). */
  forget(key: string): void {
    this.failures.delete(key);
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  /** Keys queued, running or waiting for a retry. */
  size(): number {
    return new Set([...this.queuedSet, ...this.running, ...this.timers.keys()]).size;
  }

  backoffMs(key: string): number {
    const n = this.failures.get(key) ?? 0;
    return Math.min(this.options.maxBackoffMs, this.options.baseBackoffMs * 2 ** n);
  }

  private retryLater(key: string, delayMs?: number): void {
    const delay = delayMs ?? this.backoffMs(key);
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
    if (this.stopped || this.timers.has(key)) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delay);
    timer.unref();
    this.timers.set(key, timer);
  }

  private pump(): void {
    while (!this.stopped && this.active < this.options.concurrency && this.queued.length > 0) {
      const key = this.queued.shift()!;
      this.queuedSet.delete(key);
      this.running.add(key);
      this.active++;
      void this.process(key);
    }
    if (this.active === 0 && this.queued.length === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async process(key: string): Promise<void> {
    try {
      const result = await this.handler(key);
      if (result === 'done') this.forget(key);
      else this.retryLater(key, result === 'retry' ? undefined : result.retryAfterMs);
    } catch (e) {
      this.onError(key, e);
      this.retryLater(key);
    } finally {
      this.running.delete(key);
      this.active--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }

  /** Resolves when nothing is queued or running (retries may still be waiting). */
  idle(): Promise<void> {
    if (this.active === 0 && this.queued.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queued.length = 0;
    this.queuedSet.clear();
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
