import { describe, expect, it } from 'vitest';
import { mdCell, mdCode, mdTable } from './markdown.js';

describe('markdown cells', () => {
  it.each([
    { text: 'plain', cell: 'plain' },
    { text: 'a|b', cell: 'a\\|b' },
    { text: 'line one\nline two', cell: 'line one line two' },
    { text: '<script>x</script>', cell: '&lt;script>x&lt;/script>' },
    { text: 'C:\\path', cell: 'C:\\\\path' },
  ])('mdCell($text) = $cell', ({ text, cell }) => {
    expect(mdCell(text)).toBe(cell);
  });

  it('keeps a pipe inside inline code from ending the cell', () => {
    expect(mdCode('a|b`c')).toBe('`a\\|bc`');
  });

  it('writes a GFM table with right-aligned number columns', () => {
    expect(mdTable(['image', 'n'], [['`x`', '3']], [1])).toBe('| image | n |\n| --- | ---: |\n| `x` | 3 |');
  });
});
