// `npm run bundle`: kubectl archcheck as one executable JavaScript file for node >= 20, with no node_modules beside
// it, and what installs it:
//   OUT/kubectl-archcheck                         the bundle (copy it onto PATH; kubectl finds it)
//   OUT/krew/kubectl-archcheck-vX.Y.Z.tar.gz      the krew archive: the bundle, a Windows .cmd launcher, LICENSE
//   OUT/krew/archcheck.yaml                       the krew manifest for that archive (sha256 filled in)
//   OUT/npm/                                      `npm pack OUT/npm` → kubectl-archcheck-X.Y.Z.tgz (bin kubectl-archcheck)
// With --update-manifest, plugins/archcheck.yaml is rewritten too (at release: the sha256 of the published archive).
// Usage: node scripts/bundle-plugin.mjs [--out DIR] [--update-manifest]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? args[outIndex + 1] : join(root, 'dist');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// Where releases are published; the krew manifest points there. Override with ARCHCHECK_RELEASE_URL.
const releaseBase = process.env.ARCHCHECK_RELEASE_URL ?? `https://github.com/archcheck/archcheck/releases/download/v${version}`;

const bundle = join(out, 'kubectl-archcheck');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'plugin', 'main.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  // ws' optional native speedups: ws works without them.
  external: ['bufferutil', 'utf-8-validate'],
  // CommonJS dependencies call require() and read __dirname; an ES module has neither until given them.
  banner: {
    js: [
      '#!/usr/bin/env node',
      "import { createRequire as __archcheckCreateRequire } from 'node:module';",
      "import { fileURLToPath as __archcheckFileURLToPath } from 'node:url';",
      "import { dirname as __archcheckDirname } from 'node:path';",
      'const require = __archcheckCreateRequire(import.meta.url);',
      'const __filename = __archcheckFileURLToPath(import.meta.url);',
      'const __dirname = __archcheckDirname(__filename);',
    ].join('\n'),
  },
  // package.json is read for its version only: inline that, not the whole file (the bundle then changes only with
  // the code and the version, not with every new npm script).
  plugins: [
    {
      name: 'version-only',
      setup(b) {
        b.onResolve({ filter: /(^|\/)package\.json$/ }, (a) => (a.importer.startsWith(join(root, 'plugin')) ? { path: 'package.json', namespace: 'version-only' } : undefined));
        b.onLoad({ filter: /.*/, namespace: 'version-only' }, () => ({ contents: JSON.stringify({ version }), loader: 'json' }));
      },
    },
  ],
  logLevel: 'warning',
});
chmodSync(bundle, 0o755);
// kubectl (>= 1.26) completes `kubectl archcheck <TAB>` by running kubectl_complete-archcheck from PATH.
const completer = join(out, 'kubectl_complete-archcheck');
writeFileSync(completer, '#!/bin/sh\n# kubectl runs this to complete `kubectl archcheck ...` (keep it on PATH next to kubectl-archcheck).\nexec kubectl-archcheck __complete "$@"\n', { mode: 0o755 });
chmodSync(completer, 0o755);

// The krew archive, byte for byte reproducible: sorted names, fixed times and owners, gzip without a timestamp.
const staging = join(out, 'krew', 'staging');
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
copyFileSync(bundle, join(staging, 'kubectl-archcheck'));
chmodSync(join(staging, 'kubectl-archcheck'), 0o755);
writeFileSync(join(staging, 'kubectl-archcheck.cmd'), '@echo off\r\nnode "%~dp0kubectl-archcheck" %*\r\n');
copyFileSync(completer, join(staging, 'kubectl_complete-archcheck'));
chmodSync(join(staging, 'kubectl_complete-archcheck'), 0o755);
copyFileSync(join(root, 'LICENSE'), join(staging, 'LICENSE'));
const archiveName = `kubectl-archcheck-v${version}.tar.gz`;
const archive = join(out, 'krew', archiveName);
const tar = execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', staging, '-cf', '-', 'LICENSE', 'kubectl-archcheck', 'kubectl-archcheck.cmd', 'kubectl_complete-archcheck'], { maxBuffer: 64 << 20 });
writeFileSync(archive, execFileSync('gzip', ['-n', '-9'], { input: tar, maxBuffer: 64 << 20 }));
rmSync(staging, { recursive: true, force: true });
const sha256 = createHash('sha256').update(readFileSync(archive)).digest('hex');

const platforms = [];
for (const os of ['linux', 'darwin', 'windows']) {
  for (const arch of ['amd64', 'arm64']) {
    const windows = os === 'windows';
    platforms.push(`  - selector:
      matchLabels:
        os: ${os}
        arch: ${arch}
    uri: ${releaseBase}/${archiveName}
    sha256: ${sha256}
    files:
      - from: ${windows ? 'kubectl-archcheck.cmd' : 'kubectl-archcheck'}
        to: .
${windows ? '      - from: kubectl-archcheck\n        to: .\n' : '      - from: kubectl_complete-archcheck\n        to: .\n'}      - from: LICENSE
        to: .
    bin: ${windows ? 'kubectl-archcheck.cmd' : 'kubectl-archcheck'}`);
  }
}
const manifest = `# krew plugin manifest (https://krew.sigs.k8s.io/docs/developer-guide/plugin-manifest/), written by
# \`npm run bundle\` (scripts/bundle-plugin.mjs); at release, its copy goes to krew-index with the published sha256.
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: archcheck
spec:
  version: v${version}
  homepage: https://github.com/archcheck/archcheck
  shortDescription: Audit which CPU architectures your workloads can run on
  description: |
    Audits every workload for mixed amd64/arm64 clusters: the platforms each image
    runs on (read from its registry), where its pods run and may be scheduled, and
    whether it is ready for arm64. Exit codes for CI (--fail-on), JSON/YAML output,
    node pools by arch, manifests before deploy, and the yearly saving of moving.
  caveats: |
    kubectl archcheck is one JavaScript file: it needs Node.js 20 or later (node on PATH).
      kubectl archcheck -A
      kubectl archcheck image nginx:1.27
  platforms:
${platforms.join('\n')}
`;
writeFileSync(join(out, 'krew', 'archcheck.yaml'), manifest);
if (args.includes('--update-manifest')) writeFileSync(join(root, 'plugins', 'archcheck.yaml'), manifest);

// A package with nothing but the bundle: `npm pack OUT/npm`, then `npm install -g kubectl-archcheck-X.Y.Z.tgz`.
const npmDir = join(out, 'npm');
rmSync(npmDir, { recursive: true, force: true });
mkdirSync(npmDir, { recursive: true });
copyFileSync(bundle, join(npmDir, 'kubectl-archcheck'));
chmodSync(join(npmDir, 'kubectl-archcheck'), 0o755);
copyFileSync(completer, join(npmDir, 'kubectl_complete-archcheck'));
chmodSync(join(npmDir, 'kubectl_complete-archcheck'), 0o755);
copyFileSync(join(root, 'LICENSE'), join(npmDir, 'LICENSE'));
writeFileSync(
  join(npmDir, 'package.json'),
  `${JSON.stringify(
    {
      name: 'kubectl-archcheck',
      version,
      description: 'kubectl archcheck: which CPU architectures can your workloads run on (mixed amd64/arm64 clusters)',
      license: 'Apache-2.0',
      type: 'module',
      engines: { node: '>=20.18' },
      bin: { 'kubectl-archcheck': 'kubectl-archcheck', 'kubectl_complete-archcheck': 'kubectl_complete-archcheck' },
      files: ['kubectl-archcheck', 'kubectl_complete-archcheck', 'LICENSE'],
    },
    null,
    2,
  )}\n`,
);

process.stdout.write(`${bundle}: ${(statSync(bundle).size / 1024 / 1024).toFixed(1)} MiB\n${archive}: sha256 ${sha256}\n${npmDir}: npm pack ${npmDir}\n`);
