import type { Command } from 'commander';
import type { WorkloadReport } from '../audit/report.js';
import { UsageError } from '../usage-error.js';

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml' | 'name' | 'markdown';
/** Formats of the commands that print reports (nodes, savings); workload audits add `name` and `markdown` (CI job summaries). */
export const REPORT_FORMATS: readonly OutputFormat[] = ['table', 'wide', 'json', 'yaml'];
export const AUDIT_FORMATS: readonly OutputFormat[] = [...REPORT_FORMATS, 'name', 'markdown'];

export type FailCondition = 'at-risk' | 'broken' | 'unknown' | 'not-ready';
const FAIL_CONDITIONS: readonly FailCondition[] = ['at-risk', 'broken', 'unknown', 'not-ready'];

export interface OutputFlags {
  output: string;
  /** Commander's --no-headers sets `headers: false`. */
  headers?: boolean;
}

export function addOutputFlag(cmd: Command, formats: readonly OutputFormat[] = REPORT_FORMATS): Command {
  return cmd
    .option('-o, --output <format>', `output format: ${formats.join('|')}`, 'table')
    .option('--no-headers', 'table and wide: print the rows only (no header, no summary)');
}

export function outputFormat(value: string, formats: readonly OutputFormat[] = REPORT_FORMATS): OutputFormat {
  if (!(formats as readonly string[]).includes(value)) throw new UsageError(`-o ${value}: use ${formats.join(', ')}`);
  return value as OutputFormat;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

/** The flags that make an audit usable as a CI gate; `extra` names conditions a command adds (fleet: unreachable). */
export function addAuditFlags(cmd: Command, extra = ''): Command {
  return cmd
    .option('--target-arch <arch>', 'the arch a migration aims at: readiness column and summary', 'arm64')
    .option(
      '--fail-on <conditions>',
      `exit 1 when a workload is ${FAIL_CONDITIONS.join('|')} (comma-separated or repeated; not-ready: blocked on the target arch)${extra}`,
      collect,
    );
}

export function failConditions(values: readonly string[] = []): FailCondition[] {
  for (const v of values) {
    if (!(FAIL_CONDITIONS as readonly string[]).includes(v)) throw new UsageError(`--fail-on ${v}: use ${FAIL_CONDITIONS.join(', ')}`);
  }
  return [...new Set(values)] as FailCondition[];
}

export function targetArch(value: string): string {
  const arch = value.trim().toLowerCase();
  if (!/^[a-z0-9_]+$/.test(arch)) throw new UsageError(`--target-arch ${value}: expected an arch such as arm64 or amd64`);
  return arch;
}

/** Whether a workload trips one of the --fail-on conditions (`not-ready`: not known to be ready for the target arch). */
export function failsOn(w: WorkloadReport, conditions: readonly FailCondition[]): boolean {
  return conditions.some((c) => (c === 'not-ready' ? w.target.ready !== true : w.status === c));
}
