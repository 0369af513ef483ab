import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WriteBatcher } from './write-batcher.js';

function recorder(fail: (batch: string[]) => boolean = () => false): { batches: string[][]; write: (r: string[]) => Promise<void> } {
  const batches: string[][] = [];
  return {
    batches,
    write: (records) => {
      batches.push(records);
      return fail(records) ? Promise.reject(new Error('disk full')) : Promise.resolve();
    },
  };
}

describe('WriteBatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('writes records added within the delay as one batch, and resolves each add once written', async () => {
    const { batches, write } = recorder();
    const batcher = new WriteBatcher(write, { delayMs: 100, maxBytes: 1_000 });
    const added = ['a', 'b', 'c'].map((r) => batcher.add(r, 1));
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    await Promise.all(added);
    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  it('writes at once when the bytes waiting reach the bound, in order', async () => {
    const { batches, write } = recorder();
    const batcher = new WriteBatcher(write, { delayMs: 1_000, maxBytes: 10 });
    void batcher.add('a', 6);
    const second = batcher.add('b', 6);
    void batcher.add('c', 1);
    await second;
    expect(batches).toEqual([['a', 'b']]);
    await batcher.flush();
    expect(batches).toEqual([['a', 'b'], ['c']]);
  });

  it('flush writes what waits without waiting for the delay, and nothing when nothing waits', async () => {
    const { batches, write } = recorder();
    const batcher = new WriteBatcher(write, { delayMs: 60_000, maxBytes: 1_000 });
    await batcher.flush();
    void batcher.add('a', 1);
    await batcher.flush();
    expect(batches).toEqual([['a']]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a failed write neither rejects its adds nor stops later batches', async () => {
    const { batches, write } = recorder((b) => b.includes('bad'));
    const batcher = new WriteBatcher(write, { delayMs: 10, maxBytes: 1_000 });
    const failed = batcher.add('bad', 1);
    await vi.advanceTimersByTimeAsync(10);
    await expect(failed).resolves.toBeUndefined();
    void batcher.add('good', 1);
    await batcher.flush();
    expect(batches).toEqual([['bad'], ['good']]);
  });
});
