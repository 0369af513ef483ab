import { readFileSync } from 'node:fs';

/**
 * The archcheck version, from the package.json next to the sources (webhook/ → ../) or the compiled files
 * (dist/webhook/ → ../../). `unknown` when neither is there: a missing version must never stop the webhook.
 */
export function archcheckVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'archcheck' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not at this level; try the next.
    }
  }
  return 'unknown';
}
