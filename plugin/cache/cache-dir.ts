import { homedir } from 'node:os';
import { join } from 'node:path';

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
