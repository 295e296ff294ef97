// Runs one raw-client session inside a network namespace (the recorder starts it with
// `ip netns exec NS node --import tsx lib/netns-client.ts '<json>'`) and prints what the client
// saw as JSON on stdout. Used by the packet-loss scenario, whose client lives in its own namespace.
//
//   {"host":"192.0.2.2","port":21,"user":"anonymous","password":"x","download":"big.bin",
//    "downloadSize":196608,"upload":"incoming/up.bin","uploadSize":98304}

import { patternBytes, RawFtp } from './raw-ftp.ts';
import { transfer } from './session.ts';
import type { TruthTransfer } from './truth.ts';

interface Plan {
  host: string;
  port: number;
  user: string;
  password: string;
  download: string;
  downloadSize: number;
  upload: string;
  uploadSize: number;
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2] ?? '{}') as Plan;
  const c = await RawFtp.connect({ host: plan.host, port: plan.port, timeoutMs: 60000 });
  const login = await c.login(plan.user, plan.password);
  if (login.code !== 230) throw new Error(`login refused: ${login.text}`);
  await c.cmd('TYPE I');
  const transfers: TruthTransfer[] = [];
  transfers.push(await transfer(c, `RETR ${plan.download}`, { mode: 'passive', expectedBytes: plan.downloadSize, finalTimeoutMs: 60000 }));
  transfers.push(await transfer(c, `STOR ${plan.upload}`, { mode: 'passive', upload: patternBytes(plan.uploadSize, 0x400000), expectedBytes: plan.uploadSize, finalTimeoutMs: 60000 }));
  await c.quit();
  process.stdout.write(
    JSON.stringify({
      client: `${c.local.address}:${c.local.port}`,
      dialog: c.transcript.steps,
      replyCodes: c.transcript.codes(),
      closedBy: c.closedBy,
      transfers,
    }),
  );
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
