import { Command, CommanderError } from 'commander';
import type { CliIO } from './cli-io.js';
import { registerAuditCommand } from './commands/audit.js';
import { registerImageCommand } from './commands/image.js';
import { registerManifestsCommand } from './commands/manifests.js';
import { registerNodesCommand } from './commands/nodes.js';
import { registerSavingsCommand } from './commands/savings.js';
import { UsageError } from './usage-error.js';

export type { CliIO } from './cli-io.js';

/** Builds `kubectl archcheck`; commands register themselves here. */
export function buildProgram(io: CliIO, setExitCode: (n: number) => void): Command {
  const program = new Command('kubectl archcheck')
    .description('Which CPU architectures can your workloads run on? Audit images, workloads and nodes for mixed amd64/arm64 clusters.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run kubectl archcheck --help for usage)');
  const ctx = { io, setExitCode };
  registerAuditCommand(program, ctx);
  registerNodesCommand(program, ctx);
  registerManifestsCommand(program, ctx);
  registerSavingsCommand(program, ctx);
  registerImageCommand(program, { stdout: io.stdout, setExitCode });
  return program;
}

/** Runs the CLI; returns the exit code: 0 clean, 1 findings or failures, 2 usage errors. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (n) => {
    code = Math.max(code, n);
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError) {
      io.stderr(`error: ${e.message}\n`);
      return 2;
    }
    io.stderr(`error: ${(e as Error).message}\n`);
    return 2;
  }
}
