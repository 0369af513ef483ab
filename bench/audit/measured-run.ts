/**
 * Runs a command-line tool as a user would (its own process, its own environment) and measures it from outside:
 * wall time from spawn to exit, CPU time and peak RSS as the kernel counted them (GNU time's %U, %S and %M, from
 * wait4's rusage), so a Go binary and a Node program are measured the same way.
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
  /** User + system CPU time: close to `seconds` means the tool was busy computing, not waiting on the network. */
  cpuSeconds: number;
  /** Peak resident set size of the process (its largest child included), in MiB. */
  peakRssMiB: number;
}

/** GNU time's `-f '%U %S %M'` line (seconds, seconds, KiB) as CPU seconds and MiB; undefined when there is none. */
export function parseTimeOutput(text: string): { cpuSeconds: number; peakRssMiB: number } | undefined {
  // A failed command's status line ("Command exited with non-zero status 1") comes first.
  const m = /^([\d.]+) ([\d.]+) (\d+)$/.exec(text.trim().split('\n').at(-1) ?? '');
  return m ? { cpuSeconds: Number(m[1]) + Number(m[2]), peakRssMiB: Number(m[3]) / 1024 } : undefined;
}

export async function measuredRun(file: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 10 * 60_000): Promise<MeasuredRun> {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: run scripts/setup.sh (Debian package "time")`);
  const dir = mkdtempSync(join(tmpdir(), 'archcheck-measured-'));
  const timeFile = join(dir, 'time.txt');
  try {
    const started = performance.now();
    const child = spawn(GNU_TIME, ['-f', '%U %S %M', '-o', timeFile, file, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
    const usage = parseTimeOutput(existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '');
    if (usage === undefined) throw new Error(`${file}: ${GNU_TIME} wrote no resource usage (exit ${code})`);
    return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), seconds, ...usage };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
