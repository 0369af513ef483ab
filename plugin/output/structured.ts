import { stringify } from 'yaml';

export type StructuredFormat = 'json' | 'yaml';

/** JSON (2-space indent) or YAML, each ending with a newline. YAML without anchors/aliases: objects the report shares are written out each time, as JSON is. */
export function renderStructured(value: unknown, format: StructuredFormat): string {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
