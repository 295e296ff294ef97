// Types of build-bundle.mjs (plain JS: it runs before anything is transpiled).
export declare function buildBundle(outfile?: string): Promise<void>;
