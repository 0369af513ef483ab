/**
 * GitHub-flavoured Markdown pieces for CI job summaries (GitHub's $GITHUB_STEP_SUMMARY, Azure DevOps'
 * `##vso[task.uploadsummary]`): both render GFM tables; neither renders ANSI colors, so none are used.
 */

/**
 * A cell's text made safe for a GFM table: `|` would end the cell (even inside a code span, so it is escaped there
 * too), a newline would end the row, and `<` could open HTML that the summary page renders.
 */
export function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\r?\n/g, ' ');
}

/** Inline code for names and images: backticks inside are dropped (no image or Kubernetes name contains one). */
export function mdCode(s: string): string {
  return `\`${s.replace(/`/g, '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}\``;
}

/** A GFM table (no trailing newline); cells are written as given (escape them with mdCell/mdCode). Numeric columns align right. */
export function mdTable(headers: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const rule = headers.map((_, i) => (rightAligned.includes(i) ? '---:' : '---'));
  return [line(headers), line(rule), ...rows.map(line)].join('\n');
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
