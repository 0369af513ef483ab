import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/** Something a test leaves open (a store or log keeping its file open while it writes). */
interface Closable {
  close(): Promise<void>;
}

/**
 * Scratch space for a test file, cleaned after every test: directories from `tempDir` (named `<prefix>…`) and the
 * objects handed to `closeAfter`, which are closed first so nothing still writes into a directory being removed.
 */
export function testScratch(prefix: string): { tempDir(): string; closeAfter<T extends Closable>(c: T): T } {
  const dirs: string[] = [];
  const open: Closable[] = [];
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return {
    tempDir(): string {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
    closeAfter<T extends Closable>(c: T): T {
      open.push(c);
      return c;
    },
  };
}
