// A fault in a rule (or catalog) file, located at file:line so the author can fix it.

export class RuleFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number, //  1-based
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'RuleFileError';
  }
}
