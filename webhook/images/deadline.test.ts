import { describe, expect, it, vi } from 'vitest';
import { Deadline } from './deadline.js';

/** Timers set while `during` runs (the deadline's timer is unref'd, so active-resource counts do not show it). */
async function timersSet(during: () => Promise<void>): Promise<number> {
  const spy = vi.spyOn(globalThis, 'setTimeout');
  try {
    await during();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Deadline', () => {
  it("gives the promise's value when it settles first, and its error as an Error when it rejects", async () => {
    const deadline = new Deadline(1_000);
    try {
      expect(await deadline.race(Promise.resolve('answer'), 'fallback')).toBe('answer');
      expect(await deadline.race(new Promise((resolve) => setTimeout(() => resolve('later'), 20)), 'fallback')).toBe('later');
      await expect(deadline.race(Promise.reject(new Error('bug')), 'fallback')).rejects.toThrow('bug');
      await expect(deadline.race(Promise.reject('text' as unknown as Error), 'fallback')).rejects.toThrow('text');
    } finally {
      deadline.dispose();
    }
  });

  it('gives the fallback when the deadline passes first, and at once for a race begun after it', async () => {
    const deadline = new Deadline(50);
    try {
      expect(await deadline.race(never<string>(), 'fallback')).toBe('fallback');
      expect(deadline.remainingMs()).toBe(0);
      expect(await deadline.race(never<string>(), 'again')).toBe('again');
    } finally {
      deadline.dispose();
    }
  });

  it('arms no timer for a request answered from memory (promises already settled)', async () => {
    const deadline = new Deadline(10_000);
    try {
      const set = await timersSet(async () => {
        await deadline.race(Promise.resolve([]), []);
        await deadline.race(Promise.resolve('x').then((v) => v.toUpperCase()), '');
        await nextTurn();
      });
      expect(set).toBe(0);
      // A race that waits arms the deadline's one timer.
      expect(await timersSet(async () => void (await Promise.race([deadline.race(never<string>(), ''), nextTurn().then(nextTurn)])))).toBe(1);
    } finally {
      deadline.dispose();
    }
  });

  it('aborts the signal at the deadline, at once when it is asked for after it, and never once disposed', async () => {
    const deadline = new Deadline(40);
    const signal = deadline.signal;
    expect(signal.aborted).toBe(false);
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    expect((signal.reason as Error).message).toBe('admission deadline');
    deadline.dispose();

    const late = new Deadline(10);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(late.signal.aborted).toBe(true);
    late.dispose();

    const disposed = new Deadline(20);
    const kept = disposed.signal;
    disposed.dispose();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(kept.aborted).toBe(false);
    expect(disposed.signal.aborted).toBe(false);
  });

  it('a race still pending when the request ends arms nothing (it is abandoned, as before)', async () => {
    const deadline = new Deadline(10_000);
    const set = await timersSet(async () => {
      void deadline.race(never<string>(), 'fallback');
      deadline.dispose();
      await nextTurn();
    });
    expect(set).toBe(0);
  });

  it('one timer serves the signal and every pending race', async () => {
    const deadline = new Deadline(60);
    try {
      const signal = deadline.signal;
      const races = [deadline.race(never<number>(), 1), deadline.race(never<number>(), 2)];
      expect(await Promise.all(races)).toEqual([1, 2]);
      expect(signal.aborted).toBe(true);
    } finally {
      deadline.dispose();
    }
  });
});
