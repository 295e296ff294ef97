// A crafted trace (no real stack here produces it): the stray ACK after FIN of an old Windows
// stack. On the RETR data connection the server closes first; the Windows client ACKs the FIN,
// sends its own FIN, and then one more pure ACK; the server, already closed, answers that ACK
// with an RST. Built with the project's ladder DSL (src/craft/trace-builder.ts) as a whole FTP
// session: control connection plus the data connection of one RETR.
//
// Linux cannot be made to send that extra ACK, hence the crafting; the truth file says so.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Scenario } from '../lib/context.ts';
import type { Truth } from '../lib/truth.ts';

const BUILDER = fileURLToPath(new URL('../../../src/craft/trace-builder.ts', import.meta.url));

export const craftedStrayAck: Scenario = {
  name: 'crafted-stray-ack',
  title: 'CRAFTED: Windows stray ACK after FIN on a RETR data connection, answered by RST (ladder DSL)',
  traces: ['crafted-windows-stray-ack-rst'],
  async run(ctx) {
    const name = 'crafted-windows-stray-ack-rst';
    if (!existsSync(BUILDER)) ctx.skip('src/craft/trace-builder.ts is not there yet');
    const { TraceBuilder } = (await import(BUILDER)) as typeof import('../../../src/craft/trace-builder.ts');
    const client = '192.0.2.10';
    const server = '192.0.2.20';
    const size = 8000;
    const t = new TraceBuilder({ start: 1_700_000_000, step: 0.0004 });
    // old Windows client: TTL 128, window 64240; Linux server: TTL 64
    const ctl = t.tcp({ client: `${client}:1071`, server: `${server}:21`, clientTtl: 128, clientWindow: 64240, serverWindow: 29200 });
    const dialog: Truth['sessions'][number]['dialog'] = [];
    const say = (cmd: string | null, ...replies: string[]) =>
      dialog.push({ t: Math.round((t.now() - 1_700_000_000) * 1000), command: cmd, replies: replies.map((r) => ({ code: Number(r.slice(0, 3)), text: r })) });
    const exchange = (cmd: string, reply: string, dt = 0.002) => {
      ctl.client('PA', `${cmd}\r\n`, { dt });
      ctl.server('PA', `${reply}\r\n`, { dt: 0.001 });
      ctl.client('A', undefined, { dt: 0.15 }); // Windows delayed ACK
      say(cmd, reply);
    };
    ctl.handshake();
    ctl.server('PA', '220 ftpdiag crafted server ready\r\n', { dt: 0.01 });
    say(null, '220 ftpdiag crafted server ready');
    ctl.client('A', undefined, { dt: 0.15 });
    exchange('USER anonymous', '331 Please specify the password.');
    exchange('PASS IEUser@', '230 Login successful.');
    exchange('TYPE I', '200 Switching to Binary mode.');
    exchange('PASV', '227 Entering Passive Mode (192,0,2,20,195,80).');

    const data = t.tcp({ client: `${client}:1072`, server: `${server}:50000`, clientTtl: 128, clientWindow: 64240, serverWindow: 29200 });
    data.handshake();
    ctl.client('PA', 'RETR readme.txt\r\n', { dt: 0.001 });
    ctl.server('PA', '150 Opening BINARY mode data connection for readme.txt (8000 bytes).\r\n', { dt: 0.001 });
    // the file, ACKed every second segment
    let sent = 0;
    let n = 0;
    while (sent < size) {
      const len = Math.min(1460, size - sent);
      data.server(sent + len >= size ? 'PA' : 'A', len);
      sent += len;
      if (++n % 2 === 0) data.client('A');
    }
    // the ending: server FIN; client ACKs it, sends FIN, then a stray pure ACK; server RST
    data.server('FA');
    data.client('A');
    ctl.server('PA', '226 Transfer complete.\r\n', { dt: 0.0005 });
    data.client('FA', undefined, { dt: 0.0005 });
    data.server('A');
    const stray = data.client('A', undefined, { dt: 0.0008 });
    const rst = data.server('R');
    ctl.client('A', undefined, { dt: 0.15 });
    say('RETR readme.txt', '150 Opening BINARY mode data connection for readme.txt (8000 bytes).', '226 Transfer complete.');
    exchange('QUIT', '221 Goodbye.', 0.4);
    ctl.server('FA', undefined, { dt: 0.001 });
    ctl.client('A');
    ctl.client('FA');
    ctl.server('A');

    const file = ctx.tracePath(name);
    ctx.written.push(file);
    t.writePcap(file);
    const truth: Truth = {
      trace: `${name}.pcap`,
      scenario: 'crafted-stray-ack',
      crafted: true,
      recordedAt: new Date().toISOString(),
      capture: { tool: 'src/craft/trace-builder.ts (ladder DSL), written as classic pcap', format: 'pcap', linkType: 'EN10MB (Ethernet)', packetsCaptured: t.count, packetsDroppedByKernel: 0 },
      server: { software: 'crafted (vsftpd-like replies)', version: 'n/a', address: server, port: 21 },
      client: { software: 'crafted (old Windows stack: TTL 128, window 64240, delayed ACKs)', address: client },
      mode: 'passive',
      sessions: [{ label: 'main', client: `${client}:1071`, server: `${server}:21`, dialog, replyCodes: dialog.flatMap((d) => d.replies.map((r) => r.code)), closedBy: 'server-fin' }],
      transfers: [{ command: 'RETR readme.txt', mode: 'passive', dataServer: `${server}:50000`, dataClient: `${client}:1072`, expectedBytes: size, clientRead: size, dataEnd: 'fin, then stray client ACK answered by server RST', replies: [150, 226] }],
      resets: [`server RST (frame ${rst}) answering the client's stray pure ACK (frame ${stray}) sent after both FINs on the data connection`],
      notes: [
        'CRAFTED, not recorded: Linux cannot be made to send the extra ACK, so this trace was built segment by segment with the ladder DSL',
        'the transfer is complete (all 8000 bytes acknowledged, 226 received): the RST is harmless noise, not a failure',
      ],
      story:
        `Crafted with the ladder DSL. An old Windows client (${client}, TTL 128) logs in anonymously to ${server}:21, sets TYPE I, PASV → 227 port 50000, and ` +
        `RETRs readme.txt: ${size} bytes in 1460-byte segments, ACKed every second segment. The server closes the data connection first (FIN); the client ACKs ` +
        `it, sends its own FIN, which the server ACKs, and then — the old Windows quirk — one more pure ACK. The server has already closed that connection, so it ` +
        `answers the stray ACK with an RST (frame ${rst}). The control connection gets 226 Transfer complete; QUIT → 221 and an orderly close. ` +
        `Only the RST after a finished, fully acknowledged transfer is unusual, and it is harmless.`,
    };
    ctx.writeTruth(name, truth);
  },
};
