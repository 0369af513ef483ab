import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';

/** Synchronous cleanups run on process exit, for harness pieces a test forgot to stop. */
const exitCleanups = new Set<() => void>();
let exitHookInstalled = false;

export function onProcessExit(cleanup: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Only 'exit': signal handlers would change how vitest's workers terminate.
    process.once('exit', () => {
      for (const fn of exitCleanups) {
        try {
          fn();
        } catch {
          // Best effort: the process is going away anyway.
        }
      }
    });
  }
  exitCleanups.add(cleanup);
  return () => exitCleanups.delete(cleanup);
}

export function removeDirSync(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A free loopback port. Racy by nature; callers retry when the bind fails. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const MAX_LOG_CHARS = 2 * 1024 * 1024;

/** A child process whose output is kept (bounded) for failure messages. */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  /** Output in the order it came, whole chunks; `outputChars` of them, trimmed from the front past the bound. */
  private readonly output: string[] = [];
  private outputChars = 0;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly command: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  logs(): string {
    const all = this.output.join('');
    return all.length > MAX_LOG_CHARS ? all.slice(-MAX_LOG_CHARS) : all;
  }

  /**
   * Keeps at least the last MAX_LOG_CHARS, dropping whole chunks from the front. (Slicing one 2 MiB string per chunk
   * once the bound was reached cost ≈ 1 ms of the harness's CPU per access-log line: a registry kept up for a
   * benchmark spent more CPU in its log than the proxy in front of it.)
   */
  private append(chunk: Buffer): void {
    const text = chunk.toString('utf8');
    this.output.push(text);
    this.outputChars += text.length;
    while (this.output.length > 1 && this.outputChars - this.output[0]!.length >= MAX_LOG_CHARS) this.outputChars -= this.output.shift()!.length;
  }

  /** Starts the process; `onExit` fires if it dies on its own. */
  start(onExit: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    const child = spawn(this.command, this.args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout?.on('data', (c: Buffer) => this.append(c));
    child.stderr?.on('data', (c: Buffer) => this.append(c));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.append(Buffer.from(`\n[harness] process exited code=${code} signal=${signal}\n`));
        onExit(code, signal);
        resolve();
      });
      child.once('error', (err) => {
        this.append(Buffer.from(`\n[harness] spawn error: ${err.message}\n`));
        onExit(null, null);
        resolve();
      });
    });
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 2_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return this.exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  killSync(): void {
    if (this.running) this.child?.kill('SIGKILL');
  }
}
