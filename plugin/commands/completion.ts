import type { Command } from 'commander';
import { UsageError } from '../usage-error.js';

export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;
export type Shell = (typeof SHELLS)[number];

/** What completion offers: each subcommand and its flags (the default command's flags with no subcommand). */
export interface CompletionModel {
  binary: string;
  commands: Array<{ name: string; flags: string[] }>;
  defaultCommand: string;
}

export function completionModel(program: Command, binary: string, defaultCommand: string): CompletionModel {
  const commands = program.commands
    .filter((c) => c.name() !== 'help')
    .map((c) => ({ name: c.name(), flags: [...c.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f)), '--help'] }));
  return { binary, commands, defaultCommand };
}

function fnName(binary: string): string {
  return `_${binary.replace(/[^A-Za-z0-9]/g, '_')}`;
}

function bash(m: CompletionModel): string {
  const names = m.commands.map((c) => c.name).join(' ');
  const defaultFlags = m.commands.find((c) => c.name === m.defaultCommand)?.flags.join(' ') ?? '';
  const cases = m.commands.map((c) => `    ${c.name}) words="${c.flags.join(' ')}" ;;`).join('\n');
  return `# bash completion for ${m.binary} (kubectl archcheck). Load with: source <(${m.binary} completion bash)
${fnName(m.binary)}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd="" w words
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$w" in ${m.commands.map((c) => c.name).join('|')}) cmd="$w"; break ;; esac
  done
  case "$cmd" in
${cases}
    *) words="${names} ${defaultFlags} --version" ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F ${fnName(m.binary)} ${m.binary}
`;
}

function zsh(m: CompletionModel): string {
  return `#compdef ${m.binary}
# zsh completion for ${m.binary}. Load with: source <(${m.binary} completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(m).split('\n').slice(1).join('\n')}`;
}

function fish(m: CompletionModel): string {
  const names = m.commands.map((c) => c.name).join(' ');
  const lines = [`# fish completion for ${m.binary}. Load with: ${m.binary} completion fish | source`, `complete -c ${m.binary} -n '__fish_use_subcommand' -a '${names}'`];
  for (const c of m.commands) {
    const when = c.name === m.defaultCommand ? `'__fish_use_subcommand; or __fish_seen_subcommand_from ${c.name}'` : `'__fish_seen_subcommand_from ${c.name}'`;
    for (const f of c.flags) lines.push(`complete -c ${m.binary} -n ${when} ${f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`}`);
  }
  return `${lines.join('\n')}\n`;
}

function powershell(m: CompletionModel): string {
  const cases = m.commands.map((c) => `    '${c.name}' { @(${c.flags.map((f) => `'${f}'`).join(', ')}) }`).join('\n');
  const names = m.commands.map((c) => `'${c.name}'`).join(', ');
  const defaultFlags = m.commands.find((c) => c.name === m.defaultCommand)?.flags.map((f) => `'${f}'`).join(', ') ?? '';
  return `# PowerShell completion for ${m.binary}. Load with: ${m.binary} completion powershell | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName '${m.binary}' -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $commands = @(${names})
  $cmd = ''
  foreach ($w in ($commandAst.CommandElements | Select-Object -Skip 1)) { if ($commands -contains $w.ToString()) { $cmd = $w.ToString(); break } }
  $candidates = switch ($cmd) {
${cases}
    default { $commands + @(${defaultFlags}, '--version') }
  }
  $candidates | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_) }
}
`;
}

/** cobra's ShellCompDirective values kubectl understands. */
const NO_FILE_COMPLETION = 4;
const DEFAULT_COMPLETION = 0;

/**
 * kubectl's own completion of plugins (`kubectl archcheck <TAB>`, kubectl ≥ 1.26): kubectl runs
 * `kubectl_complete-archcheck ARGS… PARTIAL` and reads candidates, one per line, then `:DIRECTIVE`. The
 * `kubectl_complete-archcheck` script next to the bundle calls `kubectl-archcheck __complete ARGS…`, answered here.
 */
export function completeArgs(model: CompletionModel, args: readonly string[], valueFlags: ReadonlySet<string>): string {
  const partial = args.at(-1) ?? '';
  const before = args.slice(0, -1);
  const previous = before.at(-1);
  // The value of a flag (-f FILE, --kubeconfig PATH, -n NS): let the shell complete files.
  if (previous !== undefined && valueFlags.has(previous)) return `:${DEFAULT_COMPLETION}\n`;
  const command = model.commands.find((c) => before.includes(c.name));
  const flags = (command ?? model.commands.find((c) => c.name === model.defaultCommand))?.flags ?? [];
  const words = partial.startsWith('-') ? flags : command ? [] : model.commands.map((c) => c.name);
  const matches = words.filter((w) => w.startsWith(partial));
  return `${matches.map((m) => `${m}\n`).join('')}:${NO_FILE_COMPLETION}\n`;
}

export function completionScript(shell: string, model: CompletionModel): string {
  switch (shell) {
    case 'bash':
      return bash(model);
    case 'zsh':
      return zsh(model);
    case 'fish':
      return fish(model);
    case 'powershell':
      return powershell(model);
    default:
      throw new UsageError(`completion ${shell}: use one of ${SHELLS.join(', ')}`);
  }
}

export function registerCompletionCommand(program: Command, io: { stdout: (s: string) => void }, binary: string, defaultCommand: string): void {
  program
    .command('completion')
    .description('print a shell completion script: bash, zsh, fish or powershell')
    .argument('<shell>', SHELLS.join('|'))
    .addHelpText('after', `\nExamples:\n  source <(${binary} completion bash)\n  ${binary} completion fish | source\n`)
    .action((shell: string) => {
      io.stdout(completionScript(shell, completionModel(program, binary, defaultCommand)));
    });
}
