// Types of build-man.mjs (plain JS, like build-bundle.mjs).
export type HelpBlock = { kind: 'paragraph'; text: string } | { kind: 'group'; heading: string; rows: Array<{ term: string; text: string }> };
export declare const MAN_PAGE: string;
export declare function parseHelp(text: string): HelpBlock[];
export declare function commandNames(topHelp: string): string[];
export declare function renderManPage(help: { top: string; commands: Array<{ name: string; help: string }>; version: string; date: string }): string;
export declare function buildManPage(bundle?: string, outfile?: string): Promise<void>;
