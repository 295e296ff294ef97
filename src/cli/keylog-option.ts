// The --keylog option of the commands that analyse a capture (analyze, log, ladder): an NSS key
// log (what curl and OpenSSL write to $SSLKEYLOGFILE, GnuTLS for lftp, Node's 'keylog' event,
// browsers) to decrypt FTPS control and data connections with. A file that is not a key log is a
// usage error (exit 2) in one line naming it; no secret is ever printed.

import { KeyLogError, readKeyLog, type KeyLog } from '../tls/keylog.ts';
import { CliError } from './io.ts';

export interface KeyLogArgs {
  keylog: string | undefined;
}

export const keyLogOptionSpec = {
  type: 'string',
  requiresArg: true,
  describe: 'NSS key log (SSLKEYLOGFILE of curl, lftp, OpenSSL, browsers) to decrypt FTPS with: commands, replies and file bytes inside TLS are analysed',
} as const;

/** The key log named by --keylog (null without the option). */
export function cliKeyLog(path: string | undefined): KeyLog | null {
  if (path === undefined || path === '') return null;
  try {
    return readKeyLog(path);
  } catch (e) {
    if (e instanceof KeyLogError) throw new CliError(e.message);
    throw e;
  }
}
