/** What the benchmarks read of their processes from /proc (Linux), and how they split the CPUs between server and load. */
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * CPUs for the servers and for the load generator (pinned with taskset): the last CPU generates load, the others
 * serve, so the two do not compete for one core. Undefined without a second CPU or taskset.
 */
export function cpuPlan(): { servers: string; generator: string } | undefined {
  const n = cpus().length;
  if (n < 2 || !existsSync('/usr/bin/taskset')) return undefined;
  return { servers: n === 2 ? '0' : `0-${n - 2}`, generator: String(n - 1) };
}

/** A process's parent and its utime + stime (all its threads) in seconds, from /proc/PID/stat; throws when it is gone. */
export function processStat(pid: number | string): { ppid: string; cpuSeconds: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: fields[1]!, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100 };
}

/** utime + stime of a process (all its threads), in seconds. */
export const processCpuSeconds = (pid: number): number => processStat(pid).cpuSeconds;

/** VmRSS and VmHWM (peak RSS) of a process, in MiB, from /proc/PID/status. */
export function processMemory(pid: number): { rssMiB: number; hwmMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
}
