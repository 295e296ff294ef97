// Types of build-man.mjs (plain JS, like build-bundle.mjs).
export type HelpBlock = { kind: 'paragraph'; text: string } | { kind: 'group'; heading: string; rows: Array<{ term: string; text: string }> };
export interface HelpTexts {
  top: string;
  commands: Array<{ name: string; help: string }>;
}
export declare const MAN_PAGE: string;
export declare function parseHelp(text: string): HelpBlock[];
export declare function commandNames(topHelp: string): string[];
export declare function unwrapYargsHelp(): () => void;
export declare function collectHelp(): Promise<HelpTexts>;
export declare function renderManPage(help: HelpTexts & { version: string; date: string }): string;
export declare function buildManPage(outfile?: string): Promise<void>;
