/**
 * Debian's chromium, headless, for tests of the HTML report: the DOM after the page's script ran, everything the page
 * wrote to the console, and screenshots. Required: scripts/setup.sh installs it (apt-get install chromium).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { run } from './cluster/cluster.js';

export function chromiumPath(): string {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error('chromium is not installed: run scripts/setup.sh (it installs Debian\'s chromium), or apt-get install -y chromium');
}

function baseArgs(): string[] {
  // A fresh profile per run; no sandbox (tests may run as root in CI containers); no network beyond what the page asks.
  return ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${mkdtempSync(join(tmpdir(), 'archcheck-chromium-'))}`, '--enable-logging=stderr', '--v=0'];
}

export interface RenderedPage {
  /** The DOM after the page's scripts ran (chromium --dump-dom). */
  dom: string;
  /** Every console message and uncaught error the page produced (chromium logs them as CONSOLE lines). */
  console: string[];
}

export async function renderPage(file: string, hash = ''): Promise<RenderedPage> {
  const url = pathToFileURL(file).href + hash;
  const r = await run(chromiumPath(), [...baseArgs(), '--dump-dom', url], { timeoutMs: 90_000, check: true });
  return { dom: r.stdout, console: r.stderr.split('\n').filter((l) => /CONSOLE|Uncaught|Content Security Policy|Refused to/.test(l)) };
}

export async function screenshot(file: string, png: string, size = '1280,1400'): Promise<void> {
  await run(chromiumPath(), [...baseArgs(), `--screenshot=${png}`, `--window-size=${size}`, '--hide-scrollbars', pathToFileURL(file).href], { timeoutMs: 90_000, check: true });
}
