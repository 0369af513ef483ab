import { ConfigError, HelpDisplayed, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import type { RunningWebhook } from './start-webhook.js';

export interface Process {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stderr: (line: string) => void;
  onSignal: (signal: 'SIGTERM' | 'SIGINT', handler: () => void) => void;
  exit: (code: number) => void;
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

/** `archcheck-webhook release-gates [flags]` (the chart's pre-delete hook): see release-gates-command.ts. */
async function releaseGates(proc: Process): Promise<void> {
  try {
    // It serves nothing: the serving-certificate settings must not stop it (a flag given later still wins).
    const config = loadConfig(['--cert-mode', 'self', ...proc.argv.slice(1)], proc.env);
    const { runReleaseGates } = await import('./release-gates-command.js');
    proc.exit(await runReleaseGates(config, proc.stderr));
  } catch (e) {
    if (e instanceof HelpDisplayed) return proc.exit(0);
    proc.stderr(`archcheck-webhook release-gates: ${oneLine(e)}\n`);
    proc.exit(e instanceof ConfigError ? 2 : 1);
  }
}

/**
 * The process around startWebhook: bad settings print one line and exit 2 (never a stack trace); SIGTERM/SIGINT
 * drain in-flight requests then exit 0; a second signal exits at once.
 */
export async function runWebhookCli(proc: Process): Promise<RunningWebhook | undefined> {
  if (proc.argv[0] === 'release-gates') {
    await releaseGates(proc);
    return undefined;
  }
  let running: RunningWebhook;
  try {
    const config = loadConfig(proc.argv, proc.env);
    const logger = createLogger(config.logLevel);
    process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection (bug; the request it belonged to may have failed)'));
    // Loaded after the config is valid, so a bad flag is reported before the API client and TLS code load.
    const { startWebhook } = await import('./start-webhook.js');
    running = await startWebhook(config, { logger });
  } catch (e) {
    if (e instanceof HelpDisplayed) {
      proc.exit(0);
      return undefined;
    }
    proc.stderr(`archcheck-webhook: ${oneLine(e)}\n`);
    proc.exit(e instanceof ConfigError ? 2 : 1);
    return undefined;
  }
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return proc.exit(1);
    stopping = true;
    running.stop().then(
      () => proc.exit(0),
      (e: unknown) => {
        proc.stderr(`archcheck-webhook: shutdown failed: ${oneLine(e)}\n`);
        proc.exit(1);
      },
    );
  };
  proc.onSignal('SIGTERM', shutdown);
  proc.onSignal('SIGINT', shutdown);
  return running;
}
