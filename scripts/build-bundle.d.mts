// Types of build-bundle.mjs (plain JS: it runs before anything is transpiled).
export declare function buildBundle(outdir?: string): Promise<void>;
