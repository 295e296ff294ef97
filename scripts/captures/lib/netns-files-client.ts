// Runs one raw-client session of known files inside a network namespace (started by the
// extract-files scenario with `ip netns exec NS node --import tsx lib/netns-files-client.ts '<json>'`)
// and prints, as JSON, what the client saw, with the SHA-256 of every byte it wrote or read on a
// data connection: the ground truth a rebuilt transfer is checked against.
//
//   {"host":"198.51.100.2","port":21,"user":"anonymous","password":"x","steps":[
//     {"command":"TYPE I"},
//     {"transfer":"RETR data.bin","mode":"passive"},
//     {"transfer":"STOR incoming/up.bin","mode":"active","upload":{"size":204800,"seed":"up"}},
//     {"command":"REST 100000"}, ...]}

import { createHash } from 'node:crypto';
import { RawFtp } from './raw-ftp.ts';
import { seededBytes, textLines } from './known-files.ts';
import { transfer, type DataMode } from './session.ts';
import type { TruthTransfer } from './truth.ts';

export interface FilesStep {
  command?: string; //   a plain command (TYPE A, REST n): its replies are in the dialog
  transfer?: string; //  a transfer command (RETR x, STOR y, LIST)
  mode?: DataMode;
  upload?: { size: number; seed: string } | { text: number; crlf: boolean }; // what STOR sends
  resetAfter?: number; // reset the data connection after this many bytes (uploads: written)
}

export interface FilesPlan {
  host: string;
  port: number;
  user: string;
  password: string;
  steps: FilesStep[];
}

export interface FilesClientOut {
  client: string;
  dialog: import('./transcript.ts').DialogStep[];
  replyCodes: number[];
  closedBy: string | null;
  transfers: TruthTransfer[];
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2] ?? '{}') as FilesPlan;
  const c = await RawFtp.connect({ host: plan.host, port: plan.port, timeoutMs: 60000 });
  const login = await c.login(plan.user, plan.password);
  if (login.code !== 230) throw new Error(`login refused: ${login.text}`);
  const transfers: TruthTransfer[] = [];
  for (const s of plan.steps) {
    if (s.command !== undefined) {
      await c.cmd(s.command);
      continue;
    }
    const mode = s.mode ?? 'passive';
    if (s.upload) {
      const data = 'seed' in s.upload ? seededBytes(s.upload.size, s.upload.seed) : textLines(s.upload.text, s.upload.crlf);
      const t = await transfer(c, s.transfer!, { mode, upload: data, expectedBytes: data.length, finalTimeoutMs: 60000, ...(s.resetAfter !== undefined ? { resetAfter: s.resetAfter } : {}) });
      t.sha256Sent = sha256(data.subarray(0, t.clientWrote ?? 0));
      transfers.push(t);
    } else {
      const got: Buffer[] = [];
      const t = await transfer(c, s.transfer!, { mode, sink: (b) => got.push(b), finalTimeoutMs: 60000, ...(s.resetAfter !== undefined ? { resetAfter: s.resetAfter } : {}) });
      t.sha256Received = sha256(Buffer.concat(got).subarray(0, t.clientRead ?? 0));
      transfers.push(t);
    }
  }
  await c.quit();
  const out: FilesClientOut = { client: `${c.local.address}:${c.local.port}`, dialog: c.transcript.steps, replyCodes: c.transcript.codes(), closedBy: c.closedBy, transfers };
  process.stdout.write(JSON.stringify(out));
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
