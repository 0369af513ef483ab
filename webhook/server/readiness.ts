/** Named conditions that must all hold before /readyz answers 200 (TLS loaded, caBundle published, shutting down…). */
export class Readiness {
  private readonly pending = new Set<string>();

  /** Marks a condition unmet. */
  wait(condition: string): void {
    this.pending.add(condition);
  }

  /** Marks a condition met. */
  done(condition: string): void {
    this.pending.delete(condition);
  }

  waitingFor(): string[] {
    return [...this.pending].sort();
  }

  ready(): boolean {
    return this.pending.size === 0;
  }
}
