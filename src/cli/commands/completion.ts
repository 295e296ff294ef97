// `ftpdiag completion [bash|zsh]`: prints a shell completion script. The script asks ftpdiag
// itself what may come next (`ftpdiag --complete SHELL -- WORDS…`, answered by completeWords
// from the same option tables the command line is checked against), so it never goes stale:
// commands, each command's options, an option's choices; where a file is wanted (a capture, -w,
// --html) it answers nothing and the shell completes file names.

import type { Argv } from 'yargs';
import type { CommandInfo, OptionInfo } from '../argv-check.ts';
import { CliError, ExitCode, type CliIO } from '../io.ts';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** The hidden first argument the scripts call ftpdiag with. */
export const COMPLETE_FLAG = '--complete';

export interface CompletionArgs {
  shell: Shell | undefined;
}

export const command = 'completion [shell]';
export const describe = 'Print a shell completion script for bash or zsh';

export function builder(y: Argv): Argv<CompletionArgs> {
  return y
    .positional('shell', { choices: SHELLS, describe: 'the shell (default: the one $SHELL names)' })
    .example('$0 completion bash > ~/.local/share/bash-completion/completions/ftpdiag', 'bash, for new shells')
    .example('source <($0 completion bash)', 'bash, in this shell')
    .example('$0 completion zsh > "${fpath[1]}/_ftpdiag"', 'zsh (compinit loads it)') as unknown as Argv<CompletionArgs>;
}

// Each script: the words typed so far go to `ftpdiag --complete SHELL --`; an empty answer leaves
// the shell's own completion (file names).
const BASH = `# ftpdiag completion for bash (ftpdiag completion bash)
_ftpdiag() {
  local cur=\${COMP_WORDS[COMP_CWORD]}
  local IFS=$'\\n'
  local answer
  answer=$(ftpdiag ${COMPLETE_FLAG} bash -- "\${COMP_WORDS[@]:0:COMP_CWORD+1}" 2>/dev/null)
  COMPREPLY=($(compgen -W "$answer" -- "$cur"))
}
complete -o default -o bashdefault -F _ftpdiag ftpdiag
`;

const ZSH = `#compdef ftpdiag
# ftpdiag completion for zsh (ftpdiag completion zsh)
_ftpdiag() {
  local -a answer
  answer=("\${(@f)$(ftpdiag ${COMPLETE_FLAG} zsh -- "\${(@)words[1,CURRENT]}" 2>/dev/null)}")
  answer=(\${answer:#})
  if (( \${#answer} )); then
    _describe -t ftpdiag ftpdiag answer
  else
    _files
  fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _ftpdiag "$@"; else compdef _ftpdiag ftpdiag; fi
`;

export function completionScript(shell: Shell): string {
  return shell === 'zsh' ? ZSH : BASH;
}

export async function run(args: CompletionArgs, io: CliIO): Promise<ExitCode> {
  const fromEnv = /zsh/.test(io.env['SHELL'] ?? '') ? 'zsh' : /bash/.test(io.env['SHELL'] ?? '') ? 'bash' : null;
  const shell = args.shell ?? fromEnv;
  if (shell === null) throw new CliError(`name the shell: ftpdiag completion bash or ftpdiag completion zsh ($SHELL is ${io.env['SHELL'] ? `'${io.env['SHELL']}'` : 'not set'})`);
  io.out(completionScript(shell));
  return ExitCode.OK;
}

/**
 * What may follow `words` (the program name first, the word being completed last), one per
 * line; zsh gets `word:description` for commands. Nothing when a file name is wanted.
 */
export function completeWords(words: readonly string[], shell: Shell, commands: ReadonlyMap<string, CommandInfo & { describe?: string }>, globals: ReadonlyMap<string, OptionInfo>): string[] {
  const typed = words.slice(1);
  const current = typed[typed.length - 1] ?? '';
  const before = typed.slice(0, -1);
  let cmd: (CommandInfo & { describe?: string }) | null = null;
  for (let i = 0; i < before.length; i++) {
    const w = before[i]!;
    if (w.startsWith('-')) {
      const o = (cmd?.options ?? globals).get(w.replace(/^--?/, '').split('=')[0]!);
      if (o?.takesValue && !w.includes('=')) i++;
      continue;
    }
    if (cmd === null) cmd = commands.get(w) ?? null;
  }
  const table = cmd?.options ?? globals;
  const prev = before[before.length - 1];
  if (prev !== undefined && prev.startsWith('-') && !prev.includes('=')) {
    const o = table.get(prev.replace(/^--?/, ''));
    if (o?.takesValue) return o.choices ? o.choices.map(String) : [];
  }
  if (current.startsWith('-')) {
    const spellings = new Set<string>();
    for (const [name, o] of table) {
      spellings.add(name.length === 1 ? `-${name}` : `--${name}`);
      if (!o.takesValue && name.length > 1 && name === o.key && name !== 'help' && name !== 'version') spellings.add(`--no-${name}`);
    }
    return [...spellings].sort();
  }
  if (cmd === null) return [...commands.values()].map((c) => (shell === 'zsh' && c.describe ? `${c.name}:${c.describe.replace(/:/g, '\\:')}` : c.name));
  if (cmd.name === 'completion') return [...SHELLS];
  return []; // a capture, a directory, a reply code: the shell's own completion
}
