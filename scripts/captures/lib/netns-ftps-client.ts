// An explicit-FTPS client with Node's tls module, run inside a network namespace by the ftps-tls
// scenario (`ip netns exec NS node --import tsx lib/netns-ftps-client.ts '<json>'`). It uploads
// over a protected data connection and then closes that connection with a plain TCP FIN, without
// the TLS close_notify (RFC 8446 §6.1, RFC 4217 §12.5: what a truncation attack looks like). Every
// TLS secret goes to plan.keyLog through the sockets' 'keylog' events (NSS key log lines).
//
//   {"host":"198.51.100.2","port":21,"user":"anonymous","password":"x","upload":"incoming/cut.bin",
//    "uploadSize":16384,"keyLog":"/tmp/…/x.keylog","tls":"TLSv1.2"}

import { appendFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { patternBytes } from './raw-ftp.ts';
import { Transcript, type Reply } from './transcript.ts';
import type { TruthTransfer } from './truth.ts';

interface Plan {
  host: string;
  port: number;
  user: string;
  password: string;
  upload: string;
  uploadSize: number;
  keyLog: string;
  tls: tls.SecureVersion;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as Plan;
const tr = new Transcript();
const waiting: Array<(r: Reply) => void> = [];
const queued: Reply[] = [];
tr.onReply = (r) => {
  const w = waiting.shift();
  if (w) w(r);
  else queued.push(r);
};

function nextReply(timeoutMs = 15000): Promise<Reply> {
  const q = queued.shift();
  if (q) return Promise.resolve(q);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no reply in time')), timeoutMs);
    waiting.push((r) => {
      clearTimeout(t);
      resolve(r);
    });
  });
}

function logKeys(s: tls.TLSSocket): void {
  s.on('keylog', (line: Buffer) => appendFileSync(plan.keyLog, line));
}

async function main(): Promise<void> {
  const notes: string[] = [];
  const raw = net.connect(plan.port, plan.host);
  await new Promise<void>((r, j) => raw.once('connect', r).once('error', j));
  let ctl: net.Socket | tls.TLSSocket = raw;
  const onData = (d: Buffer) => tr.received(d.toString('latin1'));
  raw.on('data', onData);
  const send = (cmd: string) => {
    tr.sent(cmd);
    ctl.write(`${cmd}\r\n`);
  };
  const cmd = async (c: string) => {
    send(c);
    return nextReply();
  };
  await nextReply(); // 220
  if ((await cmd('AUTH TLS')).code !== 234) throw new Error('AUTH TLS refused');
  raw.removeListener('data', onData);
  const secure: tls.TLSSocket = tls.connect({ socket: raw, rejectUnauthorized: false, minVersion: plan.tls, maxVersion: plan.tls });
  logKeys(secure);
  await new Promise<void>((r, j) => secure.once('secureConnect', r).once('error', j));
  notes.push(`control TLS: ${secure.getProtocol()} ${secure.getCipher().standardName}`);
  secure.on('data', onData);
  ctl = secure;
  await cmd(`USER ${plan.user}`);
  await cmd(`PASS ${plan.password}`);
  await cmd('PBSZ 0');
  await cmd('PROT P');
  await cmd('TYPE I');
  const epsv = await cmd('EPSV');
  const port = Number(/\|\|\|(\d+)\|/.exec(epsv.text)?.[1]);
  const t: TruthTransfer = { command: `STOR ${plan.upload}`, mode: 'extended-passive', replies: [], dataServer: `${plan.host}:${port}`, expectedBytes: plan.uploadSize };
  const dataRaw = net.connect(port, plan.host);
  await new Promise<void>((r, j) => dataRaw.once('connect', r).once('error', j));
  t.dataClient = `${dataRaw.localAddress}:${dataRaw.localPort}`;
  const first = await cmd(t.command);
  t.replies.push(first.code);
  if (first.code < 200) {
    const data = tls.connect({ socket: dataRaw, rejectUnauthorized: false, minVersion: plan.tls, maxVersion: plan.tls, session: secure.getSession() });
    logKeys(data);
    data.on('error', (e) => notes.push(`data TLS socket: ${e.message}`));
    await new Promise<void>((r, j) => data.once('secureConnect', r).once('error', j));
    notes.push(`data TLS: ${data.getProtocol()} ${data.getCipher().standardName}, session reused: ${data.isSessionReused()}`);
    const body = patternBytes(plan.uploadSize, 0x300000);
    await new Promise<void>((r) => data.write(body, () => r()));
    await new Promise((r) => setTimeout(r, 200));
    // the point of the trace: TCP FIN on the data connection, no TLS close_notify before it
    dataRaw.end();
    t.clientWrote = body.length;
    t.dataEnd = 'fin without close_notify';
    try {
      t.replies.push((await nextReply(15000)).code);
    } catch (e) {
      notes.push(`after the FIN: ${(e as Error).message}`);
    }
    data.destroy();
  }
  await cmd('QUIT').catch(() => undefined);
  secure.end();
  process.stdout.write(JSON.stringify({ client: `${raw.localAddress}:${raw.localPort}`, dialog: tr.steps, replyCodes: tr.codes(), transfers: [t], notes }));
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
