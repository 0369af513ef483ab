import type { Command } from 'commander';
import { parseDuration } from '../../core/duration.js';
import { UsageError } from '../usage-error.js';

export interface CacheFlags {
  /** Commander's --no-cache sets `cache: false`. */
  cache: boolean;
  cacheDir?: string;
  tagTtl: string;
}

export function addCacheFlags(cmd: Command): Command {
  return cmd
    .option('--cache-dir <dir>', 'on-disk cache of registry answers (default: $XDG_CACHE_HOME/archcheck or ~/.cache/archcheck)')
    .option('--tag-ttl <duration>', 'how long a cached tag → image answer is trusted; digests never expire', '10m')
    .option('--no-cache', 'do not read or write the on-disk cache');
}

export function tagTtlMs(flags: CacheFlags): number {
  try {
    return parseDuration(flags.tagTtl, '--tag-ttl');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
