import { Command, CommanderError } from 'commander';
import type { CliIO } from './cli-io.js';
import { normalizeArgv, type CommandLineSpec, type FlagSpec } from './argv.js';
import { registerAuditCommand } from './commands/audit.js';
import { completeArgs, completionModel, registerCompletionCommand } from './commands/completion.js';
import { registerFleetCommand } from './commands/fleet.js';
import { registerImageCommand } from './commands/image.js';
import { registerManifestsCommand } from './commands/manifests.js';
import { registerNodesCommand } from './commands/nodes.js';
import { registerSavingsCommand } from './commands/savings.js';
import { UsageError } from './usage-error.js';
import { VERSION } from './version.js';

const PROGRAM = 'kubectl archcheck';
const BINARY = 'kubectl-archcheck';

export type { CliIO } from './cli-io.js';

/** Builds `kubectl archcheck`; commands register themselves here. */
export function buildProgram(io: CliIO, setExitCode: (n: number) => void): Command {
  const program = new Command(PROGRAM)
    .description('Which CPU architectures can your workloads run on? Audit images, workloads and nodes for mixed amd64/arm64 clusters.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .version(`${BINARY} ${VERSION}`, '--version', 'print the version')
    .showHelpAfterError('(run kubectl archcheck --help for usage)');
  const ctx = { io, setExitCode };
  registerAuditCommand(program, ctx);
  registerNodesCommand(program, ctx);
  registerManifestsCommand(program, ctx);
  registerSavingsCommand(program, ctx);
  registerFleetCommand(program, ctx);
  registerImageCommand(program, { stdout: io.stdout, setExitCode });
  registerCompletionCommand(program, io, BINARY, 'audit');
  return program;
}

/** Every command's flags and whether each takes a value, read from the program itself. */
export function commandLineSpec(program: Command): CommandLineSpec {
  const flags = new Map<string, FlagSpec>();
  for (const cmd of [program, ...program.commands]) {
    for (const o of cmd.options) {
      const spec = { takesValue: o.required || o.optional };
      for (const f of [o.long, o.short]) if (f) flags.set(f, spec);
    }
  }
  for (const f of ['-h', '--help']) flags.set(f, { takesValue: false });
  return { commands: [...program.commands.map((c) => c.name()), 'help'], flags, programName: PROGRAM };
}

/** Runs the CLI; returns the exit code: 0 clean, 1 findings or failures, 2 usage errors. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (n) => {
    code = Math.max(code, n);
  });
  const spec = commandLineSpec(program);
  if (argv[0] === '__complete') {
    const valueFlags = new Set([...spec.flags].filter(([, f]) => f.takesValue).map(([name]) => name));
    io.stdout(completeArgs(completionModel(program, BINARY, 'audit'), argv.slice(1), valueFlags));
    return 0;
  }
  const normalized = normalizeArgv(argv, spec);
  if ('error' in normalized) {
    io.stderr(`error: ${normalized.error}\n`);
    return 2;
  }
  try {
    await program.parseAsync(normalized.argv, { from: 'user' });
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
