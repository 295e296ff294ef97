// Entry point (bin/ftpdiag.js imports this): run the program on the process's arguments.

import v8 from 'node:v8';
import { hideBin } from 'yargs/helpers';
import { runCli } from './program.ts';

// V8 lets the old generation grow to up to 4× what survived the last full GC before collecting
// again. Connection state lives for seconds of capture time, so much of it survives the young
// collections and dies in the old generation: at V8's default, a trace whose live state is a
// steady ~80 MB peaked at ~570 MB of RSS. Growing by half at most: ~240 MB for about the same
// time (100%: ~285 MB; 30%: ~230 MB but ~30% more CPU in marking; bench/README.md).
// FTPDIAG_HEAP_GROWING_PERCENT overrides; 0: V8's own.
const growing = process.env['FTPDIAG_HEAP_GROWING_PERCENT'] ?? '50';
if (/^\d+$/.test(growing) && growing !== '0') v8.setFlagsFromString(`--heap-growing-percent=${growing}`);

// Standard output's errors are handled where it is wrapped (io.ts processIO): `| head` closing the
// pipe early (EPIPE) drops the rest of the report but the exit status still tells what was found;
// any other write error (a full disk) is one line on standard error and exit status 2.
process.exitCode = await runCli(hideBin(process.argv));
