/** Requests being answered, so SIGTERM can wait for them (drain) before closing connections. */
export class InFlight {
  private count = 0;
  private isDraining = false;
  private waiters: (() => void)[] = [];

  enter(): void {
    this.count++;
  }

  leave(): void {
    this.count = Math.max(0, this.count - 1);
    if (this.count === 0) for (const w of this.waiters.splice(0)) w();
  }

  draining(): boolean {
    return this.isDraining;
  }

  size(): number {
    return this.count;
  }

  /** Starts draining; resolves true when nothing is in flight, false when `timeoutMs` passed first. */
  drain(timeoutMs: number): Promise<boolean> {
    this.isDraining = true;
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
