// Entry point (bin/ftpdiag.js imports this): run the program on the process's arguments.

import { hideBin } from 'yargs/helpers';
import { runCli } from './program.ts';

// `ftpdiag analyze x | head` closes the pipe early: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await runCli(hideBin(process.argv));
