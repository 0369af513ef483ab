/**
 * Runs a command-line tool as a user would (its own process, its own environment) and measures it from outside:
 * wall time from spawn to exit, and peak RSS as the kernel counted it (GNU time's %M, from wait4's ru_maxrss), so a
 * Go binary and a Node program are measured the same way.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

export interface MeasuredRun {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
  /** Peak resident set size of the process (its largest child included), in MiB. */
  peakRssMiB: number;
}

/** The peak RSS GNU time wrote with `-f %M` (KiB), as MiB; undefined when the file does not hold one. */
export function peakRssFromTimeOutput(text: string): number | undefined {
  const last = text.trim().split('\n').at(-1) ?? '';
  return /^\d+$/.test(last) ? Number(last) / 1024 : undefined;
}

export async function measuredRun(file: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 10 * 60_000): Promise<MeasuredRun> {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: run scripts/setup.sh (Debian package "time")`);
  const dir = mkdtempSync(join(tmpdir(), 'archcheck-measured-'));
  const timeFile = join(dir, 'time.txt');
  try {
    const started = performance.now();
    const child = spawn(GNU_TIME, ['-f', '%M', '-o', timeFile, file, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
    });
    clearTimeout(timer);
    const seconds = (performance.now() - started) / 1000;
    const peak = peakRssFromTimeOutput(existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '');
    if (peak === undefined) throw new Error(`${file}: ${GNU_TIME} wrote no peak RSS (exit ${code})`);
    return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), seconds, peakRssMiB: peak };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
