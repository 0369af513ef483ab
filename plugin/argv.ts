/**
 * kubectl's flag syntax (spf13/pflag) on top of commander: `-n=prod`, `--all-namespaces=true|false`, and global flags
 * before the subcommand (`kubectl archcheck --context X nodes`). Commander alone reads `-n=prod` as the namespace
 * "=prod" — an audit of nothing that exits 0 — and takes a flag before the subcommand name for the default command's.
 * This rewrites the arguments into the form commander reads the same way pflag does; it knows nothing of the flags
 * themselves beyond the spec it is given (built from the commander program, the one source of truth).
 */

export interface FlagSpec {
  takesValue: boolean;
}

export interface CommandLineSpec {
  /** Subcommand names. */
  commands: readonly string[];
  /** Every flag of every command, by spelling: `-n`, `--namespace`, `--no-cache`. */
  flags: ReadonlyMap<string, FlagSpec>;
  /** How the program is called, for messages. */
  programName: string;
}

export type NormalizedArgv = { argv: string[] } | { error: string };

const TRUE = new Set(['true', 't', '1', 'TRUE', 'True', 'T']);
const FALSE = new Set(['false', 'f', '0', 'FALSE', 'False', 'F']);

/** `--x=true` → `--x`; `--x=false` → `--no-x` when there is one, else nothing (the default, false). */
function booleanFlag(name: string, value: string, spec: CommandLineSpec): string[] | { error: string } {
  if (TRUE.has(value)) return [name];
  if (!FALSE.has(value)) return { error: `${name}=${value}: ${name} is true or false, not "${value}"` };
  const long = name.startsWith('--');
  if (!long) return [];
  const opposite = name.startsWith('--no-') ? `--${name.slice(5)}` : `--no-${name.slice(2)}`;
  return spec.flags.has(opposite) ? [opposite] : [];
}

/** One flag token (and its value when separate): the tokens to pass on, and how many input tokens it used. */
function flagTokens(token: string, next: string | undefined, spec: CommandLineSpec): { out: string[]; used: number } | { error: string } {
  const eq = token.indexOf('=');
  const isLong = token.startsWith('--');
  const name = eq > 0 && (isLong || eq === 2) ? token.slice(0, eq) : token;
  const flag = spec.flags.get(isLong ? name : name.slice(0, 2));
  if (!flag) return { error: `unknown flag: ${isLong ? name : name.slice(0, 2)}` };
  if (name !== token) {
    const value = token.slice(eq + 1);
    if (!flag.takesValue) {
      const r = booleanFlag(name, value, spec);
      return Array.isArray(r) ? { out: r, used: 1 } : r;
    }
    // pflag: `-n=prod` is the value "prod"; commander would read "=prod".
    return { out: isLong ? [token] : [name, value], used: 1 };
  }
  if (isLong) return flag.takesValue && next !== undefined ? { out: [token, next], used: 2 } : { out: [token], used: 1 };
  return shortCluster(token, next, spec);
}

/** `-An x`, `-nprod`, `-A`: a value-taking letter takes the rest of the token, or the next token. */
function shortCluster(token: string, next: string | undefined, spec: CommandLineSpec): { out: string[]; used: number } | { error: string } {
  for (let i = 1; i < token.length; i++) {
    const flag = spec.flags.get(`-${token[i]}`);
    if (!flag) return { error: `unknown shorthand flag: '${token[i]}' in ${token}` };
    if (flag.takesValue) {
      const attached = i < token.length - 1;
      return attached || next === undefined ? { out: [token], used: 1 } : { out: [token, next], used: 2 };
    }
  }
  return { out: [token], used: 1 };
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** cobra's suggestion rule: within 2 edits, or a prefix. */
export function suggestCommand(word: string, commands: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  return commands.find((c) => distance(lower, c) <= 2 || c.startsWith(lower));
}

function unknownCommand(word: string, spec: CommandLineSpec): { error: string } {
  const suggestion = suggestCommand(word, spec.commands);
  return { error: `unknown command "${word}" for "${spec.programName}"${suggestion ? `; did you mean "${suggestion}"?` : ''}` };
}

/** Rewrites `argv` for commander: pflag value forms resolved, the subcommand (if any) moved to the front. */
export function normalizeArgv(argv: readonly string[], spec: CommandLineSpec): NormalizedArgv {
  const out: string[] = [];
  let command: string | undefined;
  for (let i = 0; i < argv.length; ) {
    const token = argv[i]!;
    if (token === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (token.startsWith('-') && token !== '-') {
      const r = flagTokens(token, argv[i + 1], spec);
      if ('error' in r) return r;
      out.push(...r.out);
      i += r.used;
      continue;
    }
    if (command === undefined && spec.commands.includes(token)) command = token;
    else if (command === undefined) return unknownCommand(token, spec);
    else out.push(token);
    i++;
  }
  return { argv: command === undefined ? out : [command, ...out] };
}
