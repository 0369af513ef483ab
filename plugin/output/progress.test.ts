import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';

function sink(isTTY: boolean): { isTTY: boolean; out: string[]; write: (s: string) => void } {
  const out: string[] = [];
  return { isTTY, out, write: (s) => out.push(s) };
}

describe('createProgress', () => {
  it('stays silent for the first second', () => {
    const s = sink(true);
    let t = 0;
    const p = createProgress(s, 'resolving images', () => t);
    t = 900;
    p.update(5, 10);
    p.finish();
    expect(s.out).toEqual([]);
  });

  it('draws a bar on a terminal after a second and clears it at the end', () => {
    const s = sink(true);
    let t = 0;
    const p = createProgress(s, 'resolving images', () => t);
    t = 1_500;
    p.update(5, 10);
    p.finish();
    expect(s.out[0]).toBe('\rresolving images [############............] 5/10');
    expect(s.out[1]).toBe('\r\u001b[2K');
  });

  it('never draws when stderr is not a terminal', () => {
    const s = sink(false);
    let t = 0;
    const p = createProgress(s, 'x', () => t);
    t = 5_000;
    p.update(1, 2);
    p.finish();
    expect(s.out).toEqual([]);
  });
});
