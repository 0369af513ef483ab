import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, open, readdir, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageInfo } from '../../core/image-info.js';
import { WriteBatcher } from '../../core/write-batcher.js';

export interface CachedAnswer {
  key: string;
  storedAt: number;
  info: ImageInfo;
}

const LOG_SUFFIX = '.answers';
/** More logs than this (one per run that learned something) are merged into one when a run starts. */
const MAX_LOGS = 8;

/**
 * Resolved references on disk as JSON lines, appended to one log file per run: a cold audit learns hundreds of
 * answers, and creating a file per answer cost more CPU than the registry requests behind them. A later line for a
 * key wins over an earlier one (newest `storedAt`). Each run appends only to its own log, so runs never interleave;
 * a line cut short (a run still writing, a crash) does not parse and is skipped. When logs pile up, a run merges the
 * answers still wanted into one new log and removes the others. Failures are swallowed: the cache only saves time.
 */
export class AnswerLog {
  private readonly file: string;
  /** Lines waiting for the next append (250 ms after the first, or once 256 KiB wait); appends go one at a time. */
  private readonly appends = new WriteBatcher<string>((lines) => this.appendLines(lines), { delayMs: 250, maxBytes: 256 * 1024 });
  /** This run's log, opened on the first answer and kept open: one write per batch. */
  private handle: Promise<FileHandle> | undefined;

  constructor(private readonly dir: string) {
    this.file = join(dir, `${Date.now()}-${process.pid}-${randomBytes(4).toString('hex')}${LOG_SUFFIX}`);
  }

  /** Every answer on disk by key, the newest per key; logs beyond MAX_LOGS merged, keeping what `keep` accepts. */
  async load(keep: (a: CachedAnswer) => boolean): Promise<Map<string, CachedAnswer>> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    // Earlier versions kept one `<sha256>.json` file per answer: dropped once.
    await Promise.all(names.filter((n) => n.endsWith('.json') || n.endsWith('.tmp')).map((n) => unlink(join(this.dir, n)).catch(() => undefined)));
    const logs = names.filter((n) => n.endsWith(LOG_SUFFIX));
    const answers = new Map<string, CachedAnswer>();
    for (const name of logs) {
      const text = await readFile(join(this.dir, name), 'utf8').catch(() => '');
      for (const answer of parseLines(text)) {
        const known = answers.get(answer.key);
        if (!known || known.storedAt <= answer.storedAt) answers.set(answer.key, answer);
      }
    }
    if (logs.length > MAX_LOGS) await this.merge(logs, [...answers.values()].filter(keep));
    return answers;
  }

  /** Appends an answer to this run's log, in a batch with the answers added about the same time. */
  add(answer: CachedAnswer): Promise<void> {
    const line = `${JSON.stringify(answer)}\n`;
    return this.appends.add(line, line.length);
  }

  private async appendLines(lines: string[]): Promise<void> {
    try {
      this.handle ??= mkdir(this.dir, { recursive: true }).then(() => open(this.file, 'a'));
      await (await this.handle).appendFile(lines.join(''));
    } catch {
      // Not kept: the next run looks these references up again (and this one tries to open its log again).
      await this.closeFile();
    }
  }

  /** Waits for the appends under way and closes this run's log. */
  async close(): Promise<void> {
    await this.appends.flush();
    await this.closeFile();
  }

  private async closeFile(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.then((h) => h.close()).catch(() => undefined);
  }

  private async merge(logs: string[], kept: CachedAnswer[]): Promise<void> {
    try {
      await appendFile(this.file, kept.map((a) => `${JSON.stringify(a)}\n`).join(''));
    } catch {
      return; // keep the old logs rather than lose their answers
    }
    await Promise.all(logs.map((n) => unlink(join(this.dir, n)).catch(() => undefined)));
  }
}

function parseLines(text: string): CachedAnswer[] {
  const answers: CachedAnswer[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    let a: CachedAnswer;
    try {
      a = JSON.parse(line) as CachedAnswer;
    } catch {
      continue;
    }
    if (typeof a?.key === 'string' && typeof a.storedAt === 'number' && a.info && Array.isArray(a.info.platforms)) answers.push(a);
  }
  return answers;
}
