/** ANSI color for statuses, only when stdout is a terminal and NO_COLOR is unset (https://no-color.org). */
export interface Palette {
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  magenta(s: string): string;
  bold(s: string): string;
}

const plain = (s: string): string => s;
const wrap =
  (code: number) =>
  (s: string): string =>
    `\u001b[${code}m${s}\u001b[0m`;

export const NO_COLOR: Palette = { green: plain, yellow: plain, red: plain, magenta: plain, bold: plain };
export const ANSI_COLOR: Palette = { green: wrap(32), yellow: wrap(33), red: wrap(31), magenta: wrap(35), bold: wrap(1) };

export function shouldColor(stdoutIsTTY: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  return stdoutIsTTY && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';
}

export function palette(useColor: boolean): Palette {
  return useColor ? ANSI_COLOR : NO_COLOR;
}
