import { mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * The user's cache directory for archcheck, as other CLI tools place theirs: $XDG_CACHE_HOME/archcheck
 * (~/.cache/archcheck) on Linux, ~/Library/Caches/archcheck on macOS, %LOCALAPPDATA%\archcheck on Windows.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'archcheck');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'archcheck');
  if (platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'archcheck');
  return join(homedir(), '.cache', 'archcheck');
}

/** Where registry content and resolved references live inside the cache directory. */
export function registryCachePaths(cacheDir: string): { content: string; references: string } {
  return { content: join(cacheDir, 'registry', 'content'), references: join(cacheDir, 'registry', 'references') };
}

/**
 * Creates `dir` one level at a time and checks it can be written. Node 20's `mkdir(…, { recursive: true })` never
 * returns for some unwritable paths (it spun at 100% CPU for over 10 minutes under /proc); one level at a time,
 * every failure is an error with its reason. Returns why the directory cannot be used, or undefined when it can.
 */
export async function prepareCacheDir(dir: string): Promise<string | undefined> {
  const absolute = resolve(dir);
  const missing: string[] = [];
  let existing = absolute;
  for (;;) {
    const info = await stat(existing).catch((e: NodeJS.ErrnoException) => e);
    if (!(info instanceof Error)) {
      if (!info.isDirectory()) return `${existing} is not a directory`;
      break;
    }
    if (!['ENOENT', 'ENOTDIR'].includes(info.code ?? '') || dirname(existing) === existing) return `${existing}: ${info.code ?? info.message}`;
    missing.unshift(existing);
    existing = dirname(existing);
  }
  for (const d of missing) {
    const error = await mkdir(d).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? undefined : e),
    );
    if (error) return `cannot create ${d}: ${error.code ?? error.message}`;
  }
  const probe = join(absolute, `.write-test-${process.pid}`);
  const error = await writeFile(probe, '').then(
    () => unlink(probe).then(() => undefined),
    (e: NodeJS.ErrnoException) => e,
  );
  return error ? `cannot write in ${absolute}: ${error.code ?? error.message}` : undefined;
}
