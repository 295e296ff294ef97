// Types of help-unwrapped.mjs (plain JS, used by build-man.mjs).
export declare function unwrapYargsHelp(): () => void;
