// When the sources run (bin/ftpdiag.js without a fresh bundle, the tests): worker threads do not
// inherit the tsx loader the CLI registered, so register it here, then load the TypeScript worker
// named in workerData. The bundle starts its own bundled worker instead (run.ts: workerEntry).
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.module);
