/**
 * The Dockerfile, without a Docker engine: what it copies exists and is in the build context, the entrypoint runs
 * under node, it runs as the user the chart expects, and the production dependency tree has nothing native (which
 * is what lets the build stages run on the builder's platform for both target archs).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CHART_DIR, REPO_ROOT } from './helm.js';

const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

/** Sources of COPY instructions that read the build context (not `--from=stage`). */
function contextCopies(): string[] {
  return instructions
    .filter((l) => /^COPY\s/i.test(l) && !/--from=/i.test(l))
    .flatMap((l) => {
      const parts = l.split(/\s+/).slice(1).filter((p) => !p.startsWith('--'));
      return parts.slice(0, -1);
    });
}

/**
 * .dockerignore as Docker reads it: patterns in order, `!` re-includes, the last match wins, and a pattern that
 * matches a parent directory matches everything under it.
 */
function dockerIgnored(file: string): boolean {
  const patterns = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const toRegExp = (glob: string): RegExp =>
    new RegExp(
      `^${glob
        .replace(/\/+$/, '')
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\/?/g, '@@GLOBSTAR@@')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')
        .replace(/@@GLOBSTAR@@/g, '(.*/)?')}$`,
    );
  const segments = file.split('/');
  const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const p of patterns) {
    const negate = p.startsWith('!');
    const re = toRegExp(negate ? p.slice(1) : p);
    if (candidates.some((c) => re.test(c))) ignored = !negate;
  }
  return ignored;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

describe('Dockerfile', () => {
  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const sources = contextCopies();
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'core', 'webhook', 'plugin', 'bin']));
    for (const source of sources) {
      expect(existsSync(path.join(REPO_ROOT, source)), `${source} exists`).toBe(true);
      expect(dockerIgnored(source), `${source} is in the build context`).toBe(false);
    }
    // Every source file the build compiles is in the context (a .ts file left out would fail `tsc` in the image).
    for (const dir of ['core', 'webhook', 'plugin']) {
      for (const file of walk(path.join(REPO_ROOT, dir)).map((f) => path.relative(REPO_ROOT, f))) {
        if (file.endsWith('.ts') && !file.endsWith('.test.ts')) expect(dockerIgnored(file), file).toBe(false);
      }
    }
  });

  it('keeps node_modules, dist, tests, the chart and git out of the build context', () => {
    for (const file of ['node_modules/yaml/package.json', 'dist/webhook/main.js', 'core/platform.test.ts', 'test/helm.ts', 'charts/archcheck/values.yaml', '.git/HEAD', 'webhook/node_modules/x/index.js']) {
      expect(dockerIgnored(file), file).toBe(true);
    }
    for (const file of ['package.json', 'core/platform.ts', 'webhook/main.ts', 'bin/archcheck-webhook', 'tsconfig.build.json']) {
      expect(dockerIgnored(file), file).toBe(false);
    }
  });

  it('builds on the builder platform and only the runtime stage per target platform', () => {
    const froms = instructions.filter((l) => /^FROM\s/i.test(l));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms.slice(0, -1)) expect(from).toContain('--platform=$BUILDPLATFORM');
    expect(froms.at(-1)).not.toContain('--platform');
    expect(froms.at(-1)).toMatch(/distroless\/nodejs\$\{NODE_VERSION\}-debian12:nonroot/);
    expect(instructions).toContainEqual(expect.stringMatching(/^RUN npm ci --omit=dev --ignore-scripts/));
  });

  it('has no native addons in the production dependencies (so building them on another platform is correct)', () => {
    const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: REPO_ROOT, encoding: 'utf8' });
    const dirs = out.split('\n').filter((d) => d.includes('node_modules'));
    expect(dirs.length).toBeGreaterThan(10);
    const native = dirs.filter((d) => existsSync(path.join(d, 'binding.gyp')) || walk(d).some((f) => f.endsWith('.node')));
    expect(native).toEqual([]);
  });

  it('runs as the user the chart expects', () => {
    const user = instructions.filter((l) => /^USER\s/i.test(l)).at(-1);
    const values = parseYaml(readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8')) as { podSecurityContext: { runAsUser: number; runAsGroup: number } };
    expect(user).toBe(`USER ${values.podSecurityContext.runAsUser}:${values.podSecurityContext.runAsGroup}`);
  });

  it('has an entrypoint that runs under node (the chart adds --config)', () => {
    const entrypoint = instructions.find((l) => /^ENTRYPOINT\s/i.test(l));
    const argv = JSON.parse(entrypoint!.replace(/^ENTRYPOINT\s+/i, '')) as string[];
    expect(argv).toEqual(['/nodejs/bin/node', 'dist/webhook/main.js']);
    const main = path.join(REPO_ROOT, argv[1]!);
    expect(existsSync(main), `${argv[1]} is built by \`npm run build\` (npm test builds first)`).toBe(true);
    const r = spawnSync(process.execPath, [main, '--help'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain('--config');
    // And a bad setting stops it with one line and exit code 2, as a crash-looping pod would show.
    const bad = spawnSync(process.execPath, [main, '--mode', 'enforce'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '' } });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
