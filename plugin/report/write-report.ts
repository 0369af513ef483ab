import { constants } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../usage-error.js';

export function addReportFlag(cmd: Command): Command {
  return cmd.option('--report <file.html>', 'also write a self-contained HTML report (chart, blocking images, full table with filters)');
}

/** Checked before any cluster is read: a typo in the path must not cost a whole audit. */
export async function checkReportPath(path: string | undefined): Promise<void> {
  if (path === undefined) return;
  if (path === '' || path.endsWith('/')) throw new UsageError(`--report ${path}: expected a file name, e.g. report.html`);
  try {
    await access(dirname(resolve(path)), constants.W_OK);
  } catch (e) {
    throw new UsageError(`--report ${path}: cannot write in ${dirname(resolve(path))} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export async function writeReport(path: string, html: string, stderr: (s: string) => void): Promise<void> {
  try {
    await writeFile(path, html);
  } catch (e) {
    throw new UsageError(`--report ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  stderr(`wrote ${path}\n`);
}
