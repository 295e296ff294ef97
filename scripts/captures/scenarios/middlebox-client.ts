// The raw client of the middlebox scenarios, run inside the client's network namespace
// (`ip netns exec NS node --import tsx middlebox-client.ts '<json>'`); prints what it saw as JSON.
// Not a scenario itself (index.ts does not list it).
//
//   {"plan":"idle","host":"198.51.100.2","port":21,"user":"anonymous","password":"x","file":"slow.bin","size":61440,"replyWaitMs":6000}
//   {"plan":"ips","host":"198.51.100.2","port":21,"user":"anonymous","password":"x","upload":"incoming/blocked.exe","size":4096}
//   {"plan":"nat","host":"198.51.100.2","port":21,"user":"anonymous","password":"x","file":"a.bin","size":65536,"file2":"b.bin","size2":32768}

import { patternBytes, RawFtp } from '../lib/raw-ftp.ts';
import { transfer } from '../lib/session.ts';
import type { TruthTransfer } from '../lib/truth.ts';

interface Plan {
  plan: 'idle' | 'ips' | 'nat';
  file2?: string;
  size2?: number;
  host: string;
  port: number;
  user: string;
  password: string;
  file?: string;
  size?: number;
  replyWaitMs?: number;
  upload?: string;
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2] ?? '{}') as Plan;
  const c = await RawFtp.connect({ host: plan.host, port: plan.port, timeoutMs: 20000 });
  const login = await c.login(plan.user, plan.password);
  if (login.code !== 230) throw new Error(`login refused: ${login.text}`);
  await c.cmd('TYPE I');
  const transfers: TruthTransfer[] = [];
  const events: string[] = [];
  if (plan.plan === 'idle') {
    // a slow download: the control connection sits idle meanwhile; its 226 never comes because
    // the router forgot the connection, so the client gives up waiting and tries a NOOP
    transfers.push(await transfer(c, `RETR ${plan.file}`, { mode: 'passive', expectedBytes: plan.size, finalTimeoutMs: plan.replyWaitMs ?? 6000 }));
    events.push(`final reply: ${transfers[0]!.replies.includes(226) ? 'received' : 'never received'}`);
    try {
      const r = await c.cmd('NOOP');
      events.push(`NOOP answered ${r.code}`);
    } catch (e) {
      events.push(`NOOP: ${(e as Error).message}`);
    }
  } else if (plan.plan === 'nat') {
    // through a NAT with the FTP helper: an active RETR (its PORT rewritten), a passive listing,
    // a passive RETR
    transfers.push(await transfer(c, `RETR ${plan.file}`, { mode: 'active', expectedBytes: plan.size }));
    transfers.push(await transfer(c, 'LIST', { mode: 'passive' }));
    transfers.push(await transfer(c, `RETR ${plan.file2}`, { mode: 'passive', expectedBytes: plan.size2 }));
    await c.cmd('QUIT').catch(() => undefined);
  } else {
    // an active-mode listing (PORT through the NAT's FTP helper), then an upload the IPS blocks
    transfers.push(await transfer(c, 'LIST', { mode: 'active' }));
    try {
      transfers.push(await transfer(c, `STOR ${plan.upload}`, { mode: 'passive', upload: patternBytes(plan.size ?? 4096, 0x500000), expectedBytes: plan.size }));
      events.push('STOR went through');
    } catch (e) {
      events.push(`STOR: ${(e as Error).message}`);
    }
  }
  await c.waitClosed(1000);
  process.stdout.write(
    JSON.stringify({
      client: `${c.local.address}:${c.local.port}`,
      dialog: c.transcript.steps,
      replyCodes: c.transcript.codes(),
      closedBy: c.closedBy,
      transfers,
      events,
    }),
  );
  // data sockets left open by a failed transfer must not keep the process alive
  process.exit(0);
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
