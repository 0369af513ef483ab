import { describe, expect, it } from 'vitest';
import { WorkQueue, type WorkResult } from './work-queue.js';

describe('WorkQueue', () => {
  it('runs each key once however often it is added while queued, and never the same key twice at once', async () => {
    const runs: string[] = [];
    let concurrentSameKey = false;
    const running = new Set<string>();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new WorkQueue(
      async (key): Promise<WorkResult> => {
        if (running.has(key)) concurrentSameKey = true;
        running.add(key);
        runs.push(key);
        if (key === 'a' && runs.filter((k) => k === 'a').length === 1) await gate;
        running.delete(key);
        return 'done';
      },
      { concurrency: 1, baseBackoffMs: 1, maxBackoffMs: 10 }, // one worker: 'b' waits in the queue while 'a' runs
    );
    q.add('a');
    q.add('b');
    q.add('b');
    q.add('a'); // while 'a' runs: once more afterwards
    release();
    await q.idle();
    await q.idle();
    expect(concurrentSameKey).toBe(false);
    expect(runs.sort()).toEqual(['a', 'a', 'b']);
  });

  it('retries with a doubling backoff until done, and a thrown error is a retry', async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const q = new WorkQueue(
      (): Promise<WorkResult> => {
        calls++;
        if (calls === 1) return Promise.reject(new Error('boom'));
        return Promise.resolve(calls < 4 ? 'retry' : 'done');
      },
      { concurrency: 1, baseBackoffMs: 1, maxBackoffMs: 8 },
      (_k, e) => errors.push(e),
    );
    expect(q.backoffMs('k')).toBe(1);
    q.add('k');
    await expect.poll(() => calls, { timeout: 5_000 }).toBe(4);
    expect(errors).toHaveLength(1);
    expect(q.backoffMs('k')).toBe(1); // done forgets the failures
    q.stop();
  });
});
