/**
 * `npm run demo`: the main job on a built-in local default, with no step done by hand.
 *
 * 1. A real registry on loopback with sample images (multi-arch, single-arch of each kind, attestations, a lying
 *    index, a Helm chart), inspected with `kubectl archcheck image` exactly as a user would.
 * 2. A mixed amd64/arm64 cluster: kube-apiserver, controller-manager and scheduler built from source (cached under
 *    ~/.cache/archcheck/bin by test/cluster/build.sh; the first run builds them), kwok nodes like an AKS cluster with
 *    an amd64 pool, a tainted arm64 pool and a dedicated arm64 node.
 * 3. archcheck installed with its Helm chart, the webhook running here (kwok pods run no processes) under the
 *    chart's ServiceAccount.
 * 4. The same everyday workloads applied without archcheck and with it, and where the scheduler put every pod.
 * 5. `KUBECONFIG=<path>` and `REGISTRY=<host:port>` lines, then it stays up until Ctrl-C.
 *
 *   npm run demo             # stays up; Ctrl-C to stop
 *   npm run demo -- --once   # prints and exits (exit 1 if a pod placed by archcheck landed where it cannot run)
 *   npm run demo -- --down   # stops a demo left running in another terminal
 *
 * A running demo writes its pid and its KUBECONFIG/REGISTRY lines to .tmp/demo/ (or $ARCHCHECK_DEMO_DIR):
 * `source .tmp/demo/demo.env` in another shell, and `--down` uses the pid file to stop it. One demo at a time.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { TestCluster } from '../test/cluster/cluster.js';
import { installArchcheck, startClusterSerialized, type Archcheck } from '../test/e2e/harness.js';
import { IGNORE_LABEL, applyWorkloads, formatTable, incompatible, placements, sampleImages, summary, waitPlaced, workloadSet } from '../test/e2e/scenario.js';
import { pushStandardFixtures } from '../test/registry/fixtures.js';
import { startRegistry, type TestRegistry } from '../test/registry/registry.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = process.env.ARCHCHECK_DEMO_DIR || join(root, '.tmp', 'demo');
const pidFile = join(stateDir, 'demo.pid');
const envFile = join(stateDir, 'demo.env');
const WITHOUT = 'without-archcheck';
const WITH = 'with-archcheck';
/** The dedicated arm64 node's taint, mapped for the webhook like an operator would (see README, --arch-taint). */
const ARMCTL_TAINT = 'arm64=node-role.vos/arm_controller=true:NoSchedule';

const { values: args } = parseArgs({
  options: { once: { type: 'boolean', default: false }, down: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
});

const out = (text: string): void => void process.stdout.write(text);
const progress = (text: string): void => void process.stderr.write(`[demo] ${text}\n`);

if (args.help) {
  out('usage: npm run demo [-- --once | --down]\n  (no flag)  start everything, print the placement report, stay up until Ctrl-C\n  --once     print and exit\n  --down     stop a demo running in another terminal\n');
  process.exit(0);
}

// --- pid file ------------------------------------------------------------------------------------------------------

function isDemo(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('demo.ts') && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

function runningDemo(): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  if (pid > 0 && pid !== process.pid && isDemo(pid)) return pid;
  rmSync(pidFile, { force: true }); // stale: that demo died without cleaning up (its cluster watchdog did)
  return undefined;
}

async function down(): Promise<number> {
  const pid = runningDemo();
  if (pid === undefined) {
    out(`No archcheck demo is running (no live pid in ${pidFile}).\n`);
    return 0;
  }
  out(`Stopping the archcheck demo (pid ${pid})…\n`);
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 120_000;
  while (isDemo(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  if (isDemo(pid)) {
    out(`The demo (pid ${pid}) did not stop within 120 s; kill it with: kill -9 ${pid}\n`);
    return 1;
  }
  out('Stopped: cluster, webhook and registry are gone.\n');
  return 0;
}

if (args.down) process.exit(await down());

if (!args.once) {
  const other = runningDemo();
  if (other !== undefined) {
    process.stderr.write(`archcheck demo: another demo is running (pid ${other}; ${envFile}). Stop it with: npm run demo -- --down\n`);
    process.exit(1);
  }
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(pidFile, `${process.pid}\n`);
}

// --- teardown ------------------------------------------------------------------------------------------------------

const state: { registry?: TestRegistry; cluster?: TestCluster; archcheck?: Archcheck } = {};
let stopping: Promise<void> | undefined;

function teardown(): Promise<void> {
  stopping ??= (async () => {
    await state.archcheck?.stop().catch(() => undefined);
    await Promise.all([state.cluster?.stop(), state.registry?.stop()].map((p) => p?.catch(() => undefined)));
    const ours = existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() === String(process.pid);
    if (!args.once && ours) {
      rmSync(pidFile, { force: true });
      rmSync(envFile, { force: true });
    }
  })();
  return stopping;
}

let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (++signals > 1) process.exit(130); // a second Ctrl-C: exit now; exit hooks still remove cluster and registry
    progress(`${signal}: tearing down`);
    void teardown().then(() => process.exit(0));
  });
}

// --- 1. registry and kubectl archcheck image ----------------------------------------------------------------------

function run(file: string, argv: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string; notFound: boolean }> {
  return new Promise((resolve) => {
    execFile(file, argv, { env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ stdout, stderr, notFound: error?.code === 'ENOENT' }),
    );
  });
}

const registry = await startRegistry({ name: 'demo' });
state.registry = registry;
const fx = await pushStandardFixtures(registry, { bigManifest: false });
const samples = [fx.multi, fx.buildx, fx.singleAmd64, fx.singleArm64, fx.singleAarch64, fx.singleArmv7, fx.winMixed, fx.lyingIndex, fx.helmChart].map((f) => f.ref);
samples.push(fx.missing.ref);

out(`\nkubectl archcheck image ${samples.length} sample images on a local registry:\n\n`);
const pluginEnv = { ...process.env, PATH: `${join(root, 'bin')}:${process.env.PATH ?? ''}` };
// --verify-platforms: the demo shows the lying index's finding (labels are trusted by default: one request per index).
let image = await run('kubectl', ['archcheck', 'image', '--verify-platforms', ...samples], pluginEnv);
// Without kubectl on PATH the plugin still runs on its own.
if (image.notFound) image = await run(join(root, 'bin', 'kubectl-archcheck'), ['image', '--verify-platforms', ...samples], pluginEnv);
out(image.stdout + image.stderr);

// --- 2. cluster, 3. chart + webhook --------------------------------------------------------------------------------

progress('starting the mixed amd64/arm64 cluster (the first run builds kube-apiserver & co. from source: tens of minutes)');
const cluster = await startClusterSerialized({ name: 'archcheck-demo', log: (line) => progress(line) });
state.cluster = cluster;
mkdirSync(stateDir, { recursive: true });
const webhookLogPath = join(stateDir, args.once ? 'webhook-once.log' : 'webhook.log');
const webhookLog = createWriteStream(webhookLogPath);
progress('installing the archcheck chart (dev.externalURL: the webhook runs in this process, under the chart ServiceAccount)');
const archcheck = await installArchcheck(cluster, {
  values: { config: { insecureRegistries: [registry.host], archTaints: [ARMCTL_TAINT] } },
  tokenDuration: '24h',
  log: (line) => void webhookLog.write(`${line}\n`),
});
state.archcheck = archcheck;
await archcheck.startInProcess();
progress(`webhook ready at ${archcheck.url}`);

// --- 4. the same workloads without and with archcheck --------------------------------------------------------------

const images = sampleImages(fx);
progress(`applying the sample workloads to ${WITHOUT} (labelled archcheck.dev/ignore=true: never sent to the webhook) and ${WITH}`);
await applyWorkloads(cluster, WITHOUT, workloadSet(WITHOUT, images), IGNORE_LABEL);
await applyWorkloads(cluster, WITH, workloadSet(WITH, images));
await Promise.all([waitPlaced(cluster, WITHOUT, workloadSet(WITHOUT, images)), waitPlaced(cluster, WITH, workloadSet(WITH, images))]);
const without = await placements(cluster, WITHOUT, images);
const withArchcheck = await placements(cluster, WITH, images);

out('\nThe workloads:\n');
for (const w of workloadSet(WITH, images)) out(`  ${`${w.kind}/${w.name}`.padEnd(28)} ${w.story}\n`);
out(`\nWithout archcheck (namespace ${WITHOUT}): where the scheduler put each pod\n\n${formatTable(without)}\n\n${summary(without)}\n`);
out(`\nWith archcheck (namespace ${WITH}):\n\n${formatTable(withArchcheck)}\n\n${summary(withArchcheck)}\n`);
const bad = incompatible(withArchcheck).length + withArchcheck.filter((r) => r.node === '(pending)').length;

// --- 5. how to explore ---------------------------------------------------------------------------------------------

const lines = `KUBECONFIG=${cluster.kubeconfigPath}\nREGISTRY=${registry.host}\n`;
out(`\n${lines}`);
out(
  args.once
    ? '\n--once: tearing everything down now. Run `npm run demo` (without --once) to keep the cluster and explore it.\n'
    : [
        '',
        'Try, in another shell:',
        `  source ${envFile} && export KUBECONFIG REGISTRY PATH=${dirname(cluster.binaries.kubectl)}:$PWD/bin:$PATH`,
        `  kubectl get pods -n ${WITH} -o wide`,
        '  kubectl archcheck audit -A',
        '  kubectl run try --image=$REGISTRY/single/arm64:1 && kubectl get pod try -o wide   # lands on arm64',
        '  push your own images to $REGISTRY (plain HTTP) with crane, oras or skopeo',
        `  webhook log: ${webhookLogPath}`,
        '',
      ].join('\n'),
);

if (args.once) {
  await teardown();
  process.exit(bad === 0 ? 0 : 1);
}
writeFileSync(envFile, lines);
out('Running until Ctrl-C (or `npm run demo -- --down` from another terminal).\n');
setInterval(() => undefined, 1 << 30);
