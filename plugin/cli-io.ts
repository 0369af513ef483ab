/** What a command may touch of the outside world; tests pass their own. */
export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Color only on a terminal (and without NO_COLOR). */
  stdoutIsTTY?: boolean;
  /** Progress only on a terminal. */
  stderrIsTTY?: boolean;
  /** All of stdin, for `-f -`. */
  readStdin?: () => Promise<string>;
  env?: NodeJS.ProcessEnv;
}

/** What commands get: the IO and a way to raise the exit code (the highest wins). */
export interface CommandContext {
  io: CliIO;
  setExitCode: (n: number) => void;
}

export function warn(io: CliIO, message: string): void {
  io.stderr(`warning: ${message}\n`);
}
