// The operation log's formats (`ftpdiag log --format`), apart from their renderers (render.ts):
// the command's options name them at every start, the renderers load when the command runs.

export const LOG_FORMATS = ['table', 'tsv', 'csv', 'ndjson', 'xferlog'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
