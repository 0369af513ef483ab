/**
 * `npm run demo`: the main job on a built-in local default. Starts a real registry on loopback with sample images
 * (multi-arch, single-arch of each kind, attestations, a lying index, a Helm chart), then inspects them with
 * `kubectl archcheck image` exactly as a user would, prints REGISTRY=<host:port>, and keeps running until Ctrl-C.
 *
 *   npm run demo            # stays up; Ctrl-C to stop
 *   npm run demo -- --once  # prints and exits (used by the tests)
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pushStandardFixtures } from '../test/registry/fixtures.js';
import { startRegistry } from '../test/registry/registry.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const once = process.argv.includes('--once');

const registry = await startRegistry({ name: 'demo' });
const fx = await pushStandardFixtures(registry, { bigManifest: false });
const samples = [fx.multi, fx.buildx, fx.singleAmd64, fx.singleArm64, fx.singleAarch64, fx.singleArmv7, fx.winMixed, fx.lyingIndex, fx.helmChart].map((f) => f.ref);
samples.push(fx.missing.ref);

process.stdout.write(`\nkubectl archcheck image ${samples.length} sample images on a local registry:\n\n`);
const env = { ...process.env, PATH: `${join(root, 'bin')}:${process.env.PATH ?? ''}` };
const run = spawnSync('kubectl', ['archcheck', 'image', ...samples], { env, encoding: 'utf8' });
if (run.error) {
  // Without kubectl on PATH the plugin still runs on its own.
  const direct = spawnSync(join(root, 'bin', 'kubectl-archcheck'), ['image', ...samples], { env, encoding: 'utf8' });
  process.stdout.write(direct.stdout + direct.stderr);
} else {
  process.stdout.write(run.stdout + run.stderr);
}
process.stdout.write(`\nREGISTRY=${registry.host}\n`);
process.stdout.write(`Try: PATH=$PWD/bin:$PATH kubectl archcheck image -o json ${fx.buildx.ref}\n`);

if (once) {
  await registry.stop();
  process.exit(0);
}
process.stdout.write('Running until Ctrl-C.\n');
const stop = async (): Promise<void> => {
  await registry.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
setInterval(() => undefined, 1 << 30);
