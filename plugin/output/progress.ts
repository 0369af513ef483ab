/** Where progress goes: stderr, only when it is a terminal. */
export interface ProgressSink {
  isTTY: boolean;
  write(s: string): void;
}

export interface Progress {
  update(done: number, total: number): void;
  /** Clears the line if anything was drawn. */
  finish(): void;
}

const DELAY_MS = 1_000;
const REDRAW_MS = 100;
const WIDTH = 24;

/**
 * A one-line progress bar on stderr, shown only when stderr is a terminal and the work has taken more than a
 * second: quick audits and piped output stay clean.
 */
export function createProgress(sink: ProgressSink, label: string, now: () => number = Date.now): Progress {
  const started = now();
  let drawn = false;
  let lastDraw = 0;
  return {
    update(done: number, total: number): void {
      if (!sink.isTTY || total === 0) return;
      const t = now();
      if (t - started < DELAY_MS || (t - lastDraw < REDRAW_MS && done < total)) return;
      lastDraw = t;
      const filled = Math.round((done / total) * WIDTH);
      sink.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total}`);
      drawn = true;
    },
    finish(): void {
      if (drawn) sink.write('\r\u001b[2K');
      drawn = false;
    },
  };
}
