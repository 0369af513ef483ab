// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** Printed width of a cell: color escapes take no room. */
function visibleLength(s: string): number {
  return s.replace(ANSI, '').length;
}

/** Plain aligned columns, kubectl style: upper-case headers (none with `noHeaders`), three spaces between columns. */
export function renderTable(headers: string[], rows: string[][], noHeaders = false): string {
  const widths = headers.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(Math.max(0, widths[i]! - visibleLength(c)))))
      .join('   ')
      .trimEnd();
  const lines = [...(noHeaders ? [] : [line(headers)]), ...rows.map(line)];
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}
