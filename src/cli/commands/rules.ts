// `ftpdiag rules`: every finding id the analysis can report, with its severity (and the other
// severities its variants give), title, scope (what it is about: the capture, a connection, a
// session, a transfer, a command) and the file it is defined in; --rules adds a user's own.
// The answer to "what does upload-reset mean, and where do I change it?".

import { relative } from 'node:path';
import type { Argv } from 'yargs';
import { builtinRulesDir } from '../../diagnose/rule-loader.ts';
import type { Rule } from '../../diagnose/rule-types.ts';
import type { Severity } from '../../diagnose/finding.ts';
import { escapeJsonText, escapeWire } from '../../report/escape.ts';
import { clip, wrap } from '../../format/words.ts';
import { Styler, useColor } from '../../report/style.ts';
import { TOOL_VERSION } from '../../report/tool-version.ts';
import { loadCliRules, rulesOptionSpec } from '../rules-option.ts';
import { ExitCode, type CliIO } from '../io.ts';
import { cliWidth, type WidthArgs } from '../width-option.ts';

export interface RulesArgs extends WidthArgs {
  json: boolean;
  rules: string | string[] | undefined;
  color: boolean | undefined;
}

export const command = 'rules';
export const describe = 'List every finding id with its severity, title, scope and the rule file that defines it';

export function builder(y: Argv): Argv<RulesArgs> {
  return y
    .option('json', { type: 'boolean', default: false, describe: 'print a JSON document instead of the list' })
    .option('rules', rulesOptionSpec('directory (or file) of extra rules to list with the built-in ones; repeatable'))
    .option('color', { type: 'boolean', describe: 'colour the list (default: only on a terminal; never with NO_COLOR set)' })
    .example('$0 rules', 'every built-in finding id')
    .example('$0 rules --rules ./my-rules --json', 'with your own, as JSON') as unknown as Argv<RulesArgs>;
}

export interface RuleListEntry {
  id: string;
  severity: Severity; //          the rule's own
  severities: Severity[]; //      every severity it can report (its variants may lower or raise it)
  title: string;
  scope: Rule['scope'];
  file: string; //                rules/NAME.yaml for a built-in rule, else the path given
  line: number;
  builtin: boolean;
  supersedes: string[];
}

const ORDER: readonly Severity[] = ['error', 'warning', 'info'];

export function ruleList(rules: readonly Rule[]): RuleListEntry[] {
  return rules.map((r) => {
    const builtin = !relative(builtinRulesDir, r.source.file).startsWith('..');
    const all = new Set<Severity>([r.severity, ...r.variants.map((v) => v.severity).filter((s): s is Severity => s !== null)]);
    return {
      id: r.id,
      severity: r.severity,
      severities: ORDER.filter((s) => all.has(s)),
      title: r.title,
      scope: r.scope,
      file: builtin ? `rules/${relative(builtinRulesDir, r.source.file)}` : r.source.file,
      line: r.source.line,
      builtin,
      supersedes: r.supersedes,
    };
  });
}

/** The list as text: rules grouped by file, one line each (the title wraps under itself), or,
 *  when the columns leave the title too little room, the title on the line below. */
export function renderRuleList(list: readonly RuleListEntry[], width: number, color: boolean): string {
  const st = new Styler(color);
  const idW = Math.max(...list.map((r) => r.id.length), 2);
  const sevText = (r: RuleListEntry) => r.severities.join('/');
  const sevW = Math.max(...list.map((r) => sevText(r).length), 8);
  const scopeW = Math.max(...list.map((r) => r.scope.length), 5);
  const lead = 2 + idW + 2 + sevW + 2 + scopeW + 2;
  const titleBelow = width - lead < 24;
  const out: string[] = [];
  const files = [...new Set(list.map((r) => r.file))];
  for (const file of files) {
    const rules = list.filter((r) => r.file === file);
    if (out.length) out.push('');
    out.push(st.paint('bold', wrap(`${escapeWire(file)}${rules[0]!.builtin ? ' (built-in)' : ''}: ${rules.length === 1 ? '1 rule' : `${rules.length} rules`}`, width, '    ', '')));
    for (const r of rules) {
      const sev = st.severity(r.severities[0]!, r.severities[0]!) + (r.severities.length > 1 ? `/${r.severities.slice(1).join('/')}` : '');
      const head = `  ${clip(escapeWire(r.id), width - 2)}`;
      if (titleBelow) {
        out.push(`${st.paint('bold', head.padEnd(2 + idW))}  ${sev}${' '.repeat(sevW - sevText(r).length)}  ${r.scope}`);
        out.push(wrap(escapeWire(r.title), width, '      ', '      '));
        continue;
      }
      const cols = `${st.paint('bold', head.padEnd(2 + idW))}  ${sev}${' '.repeat(sevW - sevText(r).length)}  ${r.scope.padEnd(scopeW)}  `;
      out.push(cols + wrap(escapeWire(r.title), width, ' '.repeat(lead)).slice(lead));
    }
  }
  out.push('', wrap(`${list.length === 1 ? '1 finding id' : `${list.length} finding ids`}. ftpdiag codes explains reply codes; rules/README.md says how to write a rule.`, width, '', ''));
  return out.join('\n') + '\n';
}

export async function run(args: RulesArgs, io: CliIO): Promise<ExitCode> {
  const set = loadCliRules(args.rules);
  const list = ruleList(set.rules);
  if (args.json) {
    io.out(escapeJsonText(JSON.stringify({ ftpdiag: { version: TOOL_VERSION }, rules: list }, null, 2)) + '\n');
    return ExitCode.OK;
  }
  io.out(renderRuleList(list, cliWidth(args, io), useColor(args.color, io.stdoutIsTTY, io.env)));
  return ExitCode.OK;
}
