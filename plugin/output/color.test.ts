import { describe, expect, it } from 'vitest';
import { shouldColor } from './color.js';
import { renderTable } from './table.js';

describe('color', () => {
  it.each([
    { tty: true, env: {}, color: true },
    { tty: false, env: {}, color: false },
    { tty: true, env: { NO_COLOR: '1' }, color: false },
    { tty: true, env: { NO_COLOR: '' }, color: true },
    { tty: true, env: { TERM: 'dumb' }, color: false },
  ])('tty=$tty env=$env → $color', ({ tty, env, color }) => {
    expect(shouldColor(tty, env)).toBe(color);
  });

  it('aligns colored cells by their printed width', () => {
    const out = renderTable(['A', 'B'], [['\u001b[32mok\u001b[0m', 'x'], ['at-risk', 'y']]);
    // eslint-disable-next-line no-control-regex
    expect(out.replace(/\u001b\[[0-9;]*m/g, '')).toBe('A         B\nok        x\nat-risk   y\n');
  });
});
