/**
 * What the benchmark scripts share: their `--name value` flags, the load average they report, appending their
 * section to BENCHMARKS.md, and failing in one line.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

/** The value after `--name`; `fallback` when the flag is absent or has no value. */
export function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}

/** `flag` read as a number. */
export const numberFlag = (name: string, fallback: number): number => Number(flag(name, String(fallback)));

/** The 1, 5 and 15 minute load averages, e.g. `0.8 1.1 1.3` (the machine is shared: every section says how busy). */
export const loadAverage = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');

/** A section's heading, dated: `## 2026-12-07 13:40 UTC — title`. */
export const sectionHeading = (title: string): string => `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — ${title}`;

/** The machine as a section names it: `2 × AMD EPYC, Node v20.20.2`. */
export const machine = (): string => `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;

/** Appends a section to BENCHMARKS.md at the repository root (creating it with its title if missing). */
export function appendToBenchmarks(text: string): void {
  const file = join(import.meta.dirname, '..', 'BENCHMARKS.md');
  if (!existsSync(file)) writeFileSync(file, '# Benchmarks\n\n');
  appendFileSync(file, `\n${text}`);
}

/** Runs a benchmark's main; one that cannot run says why in one line (a missing build, a runtime flag Node refuses, …). */
export async function runBenchmark(main: () => Promise<void>): Promise<void> {
  await main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).message ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
