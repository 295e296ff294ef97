// Runs py/retr_interrupt.py (a Python client, for what Node cannot do: TCP urgent data, a small
// SO_RCVBUF on the data socket) and returns what it saw.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DialogStep } from './transcript.ts';

const SCRIPT = fileURLToPath(new URL('../py/retr_interrupt.py', import.meta.url));

export type InterruptMode = 'urgent' | 'plain' | 'rst';

export interface InterruptResult {
  steps: DialogStep[];
  bytesRead: number; //     bytes the client read before interrupting
  controlClient: string;
  dataClient: string;
  dataServer: string;
  mode: InterruptMode;
}

export const PY_INTERRUPT_CLIENT = 'ftpdiag Python client (scripts/captures/py/retr_interrupt.py; data socket SO_RCVBUF 16 KiB)';

export function runInterrupt(o: { host: string; port: number; user: string; password: string; path: string; readBefore: number; mode: InterruptMode }): Promise<InterruptResult> {
  const args = [SCRIPT, o.host, String(o.port), o.user, o.password, o.path, String(o.readBefore), o.mode];
  return new Promise((resolve, reject) =>
    execFile('python3', args, { timeout: 60000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`retr_interrupt.py failed: ${stderr || err.message}`)) : resolve(JSON.parse(stdout) as InterruptResult),
    ),
  );
}

/** Reply codes of the step whose command is `cmd`. */
export function codesOf(steps: DialogStep[], cmd: string): number[] {
  return steps.find((s) => s.command === cmd)?.replies.map((r) => r.code) ?? [];
}
