/**
 * What the benchmarks need to run the webhook as users do: the compiled JS in `dist/` (never tsx's transform of the
 * sources, which wraps every named function for keepNames) and the process settings the chart's Deployment gives it
 * (NODE_OPTIONS: heap cap and young generation, decision 0041; the allocator's thresholds).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT, ensureHelm, render } from '../test/helm.js';

/** ARCHCHECK_BENCH_DIST: another compiled tree (a copy of an earlier build), for comparing two builds side by side. */
const DIST = process.env.ARCHCHECK_BENCH_DIST ?? join(REPO_ROOT, 'dist');
/** The sources the webhook is compiled from (tsconfig.build.json compiles these and more). */
const SOURCE_DIRS = ['core', 'webhook'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

const mtime = (path: string): number | undefined => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
};

/**
 * Throws, saying what to run, when a webhook source is missing from `dist/` or newer than its compiled file: a
 * benchmark of stale JS would measure code that is no longer there.
 */
export function requireFreshDist(): void {
  for (const dir of SOURCE_DIRS) {
    for (const source of sourceFiles(join(REPO_ROOT, dir))) {
      const compiled = join(DIST, relative(REPO_ROOT, source).replace(/\.ts$/, '.js'));
      const built = mtime(compiled);
      if (built === undefined || built < statSync(source).mtimeMs) {
        throw new Error(`${relative(REPO_ROOT, compiled)} is ${built === undefined ? 'missing' : `older than ${relative(REPO_ROOT, source)}`}: run "npx tsc -p tsconfig.build.json" first`);
      }
    }
  }
}

/** The file URL of a compiled module, e.g. `distModule('webhook/start-webhook.js')`, for a dynamic import. */
export const distModule = (path: string): string => pathToFileURL(join(DIST, path)).href;

/**
 * The literal environment the chart's Deployment gives the webhook for these config values (NODE_OPTIONS and the
 * allocator settings; valueFrom entries are the pod's own), rendered with the pinned helm as `helm install` would.
 */
export async function deploymentEnv(config: Record<string, unknown> = {}): Promise<Record<string, string>> {
  const objects = await render(await ensureHelm(), { setJson: { config } });
  const deployment = objects.find((o) => o.kind === 'Deployment') as { spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } } } | undefined;
  const env = Object.fromEntries((deployment?.spec.template.spec.containers[0]?.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
  if (!env.NODE_OPTIONS) throw new Error("the chart's Deployment sets no NODE_OPTIONS; this benchmark expects its heap cap");
  return env;
}
