// A word for a POSIX shell command line, as a user would paste it: hints that name a file
// ("ftpdiag ladder 'my capture.pcap' --transfer 3") must work when copied.

const SAFE = /^[\w@%+=:,./-]+$/;

/** `word` quoted for sh/bash/zsh: as it is when it holds only safe characters, else in single
 *  quotes (a single quote inside written as '\''). */
export function shellQuote(word: string): string {
  if (SAFE.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
