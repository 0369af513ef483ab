/**
 * The compiled webhook as the Helm chart runs it, for benchmarks that measure what a user's pod would: the chart
 * installed on the real test cluster (test/cluster: kube-apiserver, etcd, kwok nodes), its rendered config file,
 * its ServiceAccount's token (so node discovery, the Lease, the gate controller and the reconciler run as in the
 * pod), `bin/archcheck-webhook` → `dist/webhook/main.js` with the Deployment's own environment (NODE_OPTIONS: the
 * heap cap the chart derives from the cache budget; the allocator settings). Needs `npx tsc -p tsconfig.build.json` first.
 *
 * The webhook is pinned to the first CPU and this process (the load generator) to the last one with taskset, as
 * bench/admission/run.ts pins its servers, so the two do not compete for one core.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { installArchcheck, startClusterSerialized, type Archcheck } from '../../test/e2e/harness.js';
import { freePort } from '../../test/cluster/cluster.js';
import { deploymentEnv, requireFreshDist } from '../compiled-webhook.js';
import { cpuPlan } from '../process-usage.js';

export interface ChartWebhook {
  /** https://127.0.0.1:PORT (the chart's webhook configurations name it). */
  url: string;
  caPem: string;
  /** Plain-HTTP /metrics (the chart's metrics port, moved to loopback). */
  metricsUrl: string;
  pid: number;
  /** The Deployment's NODE_OPTIONS (plus overrides), as the webhook was started with. */
  nodeOptions: string;
  /** The Deployment's other literal environment, `K=V …`, as the webhook was started with. */
  chartEnv: string;
  /** Environment added beyond the chart's (overrides), `K=V …`; empty when none. */
  extraEnv: string;
  /** `webhook CPU 0, load generator CPU 1`, or why there is no pinning. */
  pinning: string;
  logs: readonly string[];
  /** Stops the webhook (SIGTERM), keeps the cluster: start another with `restart`. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const taskset = (args: string[]): void => void execFileSync('taskset', args, { stdio: 'ignore' });

/** Pins this process to the last CPU, for the load it generates; returns the CPU list for the server, if any. */
function pinGenerator(): string | undefined {
  const plan = cpuPlan();
  if (plan) taskset(['-cp', plan.generator, String(process.pid)]);
  return plan?.servers;
}

/** What a run may add to the chart's process settings, to try a runtime setting before it goes into the chart. */
export interface ProcessOverrides {
  /** Appended to the Deployment's NODE_OPTIONS. */
  nodeOptions?: string;
  env?: Record<string, string>;
}

/** Starts the cluster, installs the chart with `config` values (merged over its defaults), starts the webhook. */
export async function startChartWebhook(config: Record<string, unknown>, name = 'bench', overrides: ProcessOverrides = {}): Promise<ChartWebhook> {
  requireFreshDist();
  const cluster = await startClusterSerialized({ name, log: () => {} });
  let arch: Archcheck | undefined;
  try {
    arch = await installArchcheck(cluster, { values: { config } });
    const chartEnv = await deploymentEnv(config);
    const nodeOptions = [chartEnv.NODE_OPTIONS, overrides.nodeOptions].filter(Boolean).join(' ');
    const { NODE_OPTIONS: _, ...chartOtherEnv } = chartEnv;
    const serverCpus = pinGenerator();
    const metricsPort = await freePort();
    const start = async (): Promise<number> => {
      const proc = await arch!.startChild(['--metrics-listen', `127.0.0.1:${metricsPort}`], { ...chartOtherEnv, ...overrides.env, NODE_OPTIONS: nodeOptions });
      const pid = proc.child!.pid!;
      if (serverCpus) taskset(['-a', '-cp', serverCpus, String(pid)]);
      return pid;
    };
    const hook: ChartWebhook = {
      url: arch.url,
      caPem: arch.caPem,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      pid: await start(),
      nodeOptions,
      chartEnv: Object.entries(chartOtherEnv).map(([k, v]) => `${k}=${v}`).join(' '),
      extraEnv: Object.entries(overrides.env ?? {}).map(([k, v]) => `${k}=${v}`).join(' '),
      pinning: serverCpus ? `webhook pinned to CPU ${serverCpus}, load generator to CPU ${cpus().length - 1} (taskset)` : 'no CPU pinning (taskset or a second CPU missing)',
      logs: arch.logs,
      async restart() {
        await arch!.stopWebhook();
        hook.pid = await start();
      },
      async stop() {
        await arch!.stop();
        await cluster.stop();
      },
    };
    return hook;
  } catch (e) {
    await arch?.stop();
    await cluster.stop();
    throw e;
  }
}
