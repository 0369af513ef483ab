import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Credential } from '../../core/credentials.js';
import type { ImageInfo } from '../../core/image-info.js';
import type { DriverCommand, DriverConfig } from './driver.js';

const DRIVER = fileURLToPath(new URL('./driver.ts', import.meta.url));

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

export interface Driver {
  resolve(ref: string): Promise<ImageInfo>;
  credential(registry: string, repository: string): Promise<Credential>;
  providers(): Promise<string[]>;
  /** stderr so far, for failure messages. */
  stderr(): string;
  close(): Promise<void>;
}

/** A scratch HOME, so a developer's ~/.azure, ~/.aws or gcloud login never leaks into a test. */
export function scratchHome(): string {
  return mkdtempSync(join(tmpdir(), 'archcheck-cloud-home-'));
}

/** A scratch directory for a test file's token files and CA bundle; remove it in afterAll. */
export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'archcheck-cloud-'));
}

/** Writes a CA bundle for NODE_EXTRA_CA_CERTS into `dir`. */
export function caFile(dir: string, pem: string): string {
  const file = join(dir, 'ca.pem');
  writeFileSync(file, pem);
  return file;
}

/**
 * Starts the driver in a child process with exactly `env` (plus PATH) and no inherited cloud settings: what it can
 * reach is only what the test's stand-ins serve.
 */
export function startDriver(config: DriverConfig, env: Record<string, string>): Driver {
  const home = scratchHome();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', DRIVER, JSON.stringify(config)], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    for (const p of pending.values()) p.reject(new Error(`driver exited:\n${stderr}`));
    pending.clear();
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let msg: { id: number; result?: unknown; error?: string };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      stderr += `[stdout] ${line}\n`;
      return;
    }
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error !== undefined) p?.reject(new Error(msg.error));
    else p?.resolve(msg.result);
  });
  let next = 1;
  const call = <T>(cmd: DistributiveOmit<DriverCommand, 'id'>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.stdin?.write(`${JSON.stringify({ ...cmd, id })}\n`);
    });
  return {
    resolve: (ref) => call<ImageInfo>({ op: 'resolve', ref }),
    credential: (registry, repository) => call<Credential>({ op: 'credential', registry, repository }),
    providers: () => call<string[]>({ op: 'providers' }),
    stderr: () => stderr,
    close: async () => {
      if (child.exitCode === null) {
        await call({ op: 'exit' }).catch(() => undefined);
        child.stdin?.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}
