// Terminal styling: SGR colour codes when allowed, plain text otherwise. The decision (TTY,
// NO_COLOR, --color/--no-color) is made once by the CLI and passed down.

import type { Severity } from '../diagnose/finding.ts';

const SGR = {
  bold: '1',
  dim: '2',
  red: '31',
  green: '32',
  yellow: '33',
  cyan: '36',
  boldRed: '1;31',
  boldYellow: '1;33',
  boldCyan: '1;36',
} as const;
export type StyleName = keyof typeof SGR;

export class Styler {
  constructor(readonly color: boolean) {}

  paint(style: StyleName, text: string): string {
    return this.color && text !== '' ? `\x1b[${SGR[style]}m${text}\x1b[0m` : text;
  }

  severity(sev: Severity, text: string): string {
    return this.paint(sev === 'error' ? 'boldRed' : sev === 'warning' ? 'boldYellow' : 'boldCyan', text);
  }
}

/** Colour decision: NO_COLOR (any non-empty value, https://no-color.org) always wins; otherwise
 *  an explicit --color/--no-color; otherwise FORCE_COLOR as Node.js and most terminal tools
 *  read it (set, empty, 1, 2, 3 or true: colour even into a pipe or file; 0 or false: none);
 *  otherwise colour only on a terminal. */
export function useColor(flag: boolean | undefined, isTTY: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (flag !== undefined) return flag;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return !/^(0|false)$/i.test(force.trim());
  return isTTY;
}

/** cli-table3's `style` for a table printed with or without colour: bold head and grey borders,
 *  or none at all — cli-table3 colours head and borders by default, even into a pipe. */
export function tableStyle(color: boolean): { head: string[]; border: string[] } {
  return color ? { head: ['bold'], border: ['grey'] } : { head: [], border: [] };
}
