import { stringify } from 'yaml';

export type StructuredFormat = 'json' | 'yaml';

/** JSON (2-space indent) or YAML, each ending with a newline. */
export function renderStructured(value: unknown, format: StructuredFormat): string {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  return stringify(value, { lineWidth: 0 });
}
