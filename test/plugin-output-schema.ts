/** Validates `kubectl archcheck -o json` output against docs/audit-output.schema.json (draft-07). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';

const schema = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'docs', 'audit-output.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true }).compile(schema);

/** Schema violations, as `path: message` lines; empty when the output conforms. */
export function outputSchemaErrors(output: unknown): string[] {
  if (validate(output)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}
