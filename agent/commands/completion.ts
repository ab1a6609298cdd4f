import type { Command } from 'commander';
import { z } from 'zod';
import { EVENT_TYPES } from '../../contract/events.js';
import { PORT_TYPES } from '../../contract/port-types.js';
import { UsageError } from '../../core/errors.js';
import { ACTION_NAMES } from '../../lab/control-api.js';
import { parseFlags } from '../command-line/flags.js';
import { EXIT_OK, type Output, processOutput } from '../command-line/io.js';

/**
 * `dcagent completion bash|zsh`: a completion script generated from the command tree itself, so a
 * new command or option completes without anyone editing a script. zsh loads the same function
 * through bashcompinit, which ships with zsh.
 */

const SHELLS = ['bash', 'zsh'] as const;

/** Words a command's positional argument takes, by command path. */
const POSITIONAL: Readonly<Record<string, readonly string[]>> = {
  plan: ['provision', 'deprovision'],
  enqueue: ['provision', 'deprovision'],
  completion: SHELLS,
  'lab ctl': ['status', ...ACTION_NAMES],
};

/** Values an option takes, where they form a closed list. */
const OPTION_VALUES: Readonly<Record<string, readonly string[]>> = {
  '--port-type': PORT_TYPES,
  '--type': EVENT_TYPES,
};

interface CommandSpec {
  path: string;
  options: string[];
  fileOptions: string[];
  subcommands: string[];
}

function walk(cmd: Command, prefix: string, out: CommandSpec[]): void {
  for (const sub of cmd.commands) {
    const path = prefix ? `${prefix} ${sub.name()}` : sub.name();
    const options = sub.options.map((o) => o.long).filter((l): l is string => Boolean(l));
    out.push({
      path,
      options: [...options, '--help'],
      fileOptions: sub.options.filter((o) => o.flags.includes('<file>')).map((o) => o.long ?? ''),
      subcommands: sub.commands.map((c) => c.name()),
    });
    walk(sub, path, out);
  }
}

const quote = (words: readonly string[]) => words.join(' ');

/** The bash completion function for `program` (also what zsh runs via bashcompinit). */
export function bashCompletion(program: Command): string {
  const specs: CommandSpec[] = [];
  walk(program, '', specs);
  const top = specs.filter((s) => !s.path.includes(' ')).map((s) => s.path);
  const cases = specs.map((s) => {
    const words = [...s.options, ...s.subcommands, ...(POSITIONAL[s.path] ?? [])];
    return `    '${s.path}') words='${quote(words)}'; files='${quote(s.fileOptions)}' ;;`;
  });
  const values = Object.entries(OPTION_VALUES).map(
    ([opt, vals]) => `    ${opt}) COMPREPLY=($(compgen -W '${quote(vals)}' -- "$cur")); return ;;`,
  );
  return `# dcagent completion for bash. Load it with:  source <(dcagent completion bash)
_dcagent() {
  local cur prev path words files i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W '${quote([...top, '--help', '--version'])}' -- "$cur"))
    return
  fi
  path="\${COMP_WORDS[1]}"
  # A nested command (lab ctl) when the second word names one.
  if [ "$COMP_CWORD" -gt 2 ] && [ "$path" = lab ] && [ "\${COMP_WORDS[2]}" = ctl ]; then
    path="lab ctl"
  fi
  case "$prev" in
${values.join('\n')}
  esac
  case "$path" in
${cases.join('\n')}
    *) words='--help'; files='' ;;
  esac
  for i in $files; do
    if [ "$prev" = "$i" ]; then
      COMPREPLY=($(compgen -f -- "$cur"))
      return
    fi
  done
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _dcagent dcagent
`;
}

/** zsh runs the bash function through its own bashcompinit layer. */
export function zshCompletion(program: Command): string {
  return `#compdef dcagent
# dcagent completion for zsh. Load it with:  source <(dcagent completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(program).split('\n').slice(1).join('\n')}`;
}

const flagsSchema = z.strictObject({ config: z.string().optional() });

export function registerCompletion(program: Command, io: Output = processOutput): void {
  program
    .command('completion')
    .description('print a shell completion script: source <(dcagent completion bash)')
    .argument('<shell>', SHELLS.join(' | '))
    .option('--config <file>', 'ignored; accepted like every command')
    .action((shell: string, raw: Record<string, unknown>) => {
      parseFlags(flagsSchema, raw);
      const which = z.enum(SHELLS).safeParse(shell);
      if (!which.success) {
        throw new UsageError(
          `completion: shell must be ${SHELLS.join(' or ')}, not ${JSON.stringify(shell)}`,
        );
      }
      io.out(which.data === 'bash' ? bashCompletion(program) : zshCompletion(program));
      process.exitCode = EXIT_OK;
    });
}
