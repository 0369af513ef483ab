import { Command, CommanderError } from 'commander';
import { registerImageCommand } from './commands/image.js';
import { UsageError } from './usage-error.js';

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

/** Builds `kubectl archcheck`; commands register themselves here. */
export function buildProgram(io: CliIO, setExitCode: (n: number) => void): Command {
  const program = new Command('kubectl archcheck')
    .description('Which CPU architectures can your workloads run on? Audit images, workloads and nodes for mixed amd64/arm64 clusters.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run kubectl archcheck --help for usage)');
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
