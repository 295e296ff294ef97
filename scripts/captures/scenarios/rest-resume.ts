// Scenario 4: REST resume, both directions, against pyftpdlib.
//  1st session: RETR cut by the client (RST) after the first chunk; QUIT.
//  2nd session: SIZE, REST <bytes we have>, RETR of the rest → the reassembled file matches.
//  Then an upload cut short with a clean FIN (the server believes it complete: 226), SIZE to see
//  how much arrived, REST <that>, STOR of the rest → the server's file matches the source.

import { createHash } from 'node:crypto';
import type { Scenario } from '../lib/context.ts';
import { patternBytes, RawFtp } from '../lib/raw-ftp.ts';
import { startPyftpdlib } from '../lib/servers/pyftpdlib.ts';
import { transfer } from '../lib/session.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KB, RAW_CLIENT, hostFilter, loginAndSetup, realTruth, serverFileSize, sessionOf } from './common.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 16);

export const restResume: Scenario = {
  name: 'rest-resume',
  title: 'REST resume of a cut RETR (new session) and of a short STOR (pyftpdlib)',
  traces: ['pyftpdlib-rest-resume'],
  async run(ctx) {
    const name = 'pyftpdlib-rest-resume';
    const down = patternBytes(80 * KB);
    const up = patternBytes(48 * KB, 0x300000);
    const server = await startPyftpdlib(ctx, { host: '127.0.0.121', files: { 'firmware.bin': down } });
    const filter = hostFilter(server.host);
    const cap = await ctx.capture(name, { iface: 'lo', filter });

    // session 1: the download breaks
    const got: Buffer[] = [];
    const c1 = await RawFtp.connect({ host: server.host, port: server.port, localAddress: '127.0.0.1' });
    await loginAndSetup(c1, server, { feat: false });
    await c1.cmd('SIZE firmware.bin');
    const cut = await transfer(c1, 'RETR firmware.bin', { mode: 'passive', resetAfter: 1, expectedBytes: down.length, sink: (b) => got.push(b), finalTimeoutMs: 5000 });
    await c1.quit();
    const have = Buffer.concat(got).subarray(0, cut.clientRead ?? 0);

    // session 2: resume both ways
    const c2 = await RawFtp.connect({ host: server.host, port: server.port, localAddress: '127.0.0.1' });
    await loginAndSetup(c2, server, { feat: false });
    const size = await c2.cmd('SIZE firmware.bin');
    const rest1 = await c2.cmd(`REST ${have.length}`);
    const more: Buffer[] = [];
    const resumed = await transfer(c2, 'RETR firmware.bin', { mode: 'passive', expectedBytes: down.length - have.length, sink: (b) => more.push(b) });
    const whole = Buffer.concat([have, ...more]);

    const partial = 16 * KB;
    const short = await transfer(c2, 'STOR firmware-new.bin', { mode: 'passive', upload: up.subarray(0, partial), expectedBytes: up.length });
    short.serverFileSize = serverFileSize(server, 'firmware-new.bin');
    const size2 = await c2.cmd('SIZE firmware-new.bin');
    const offset = Number(/^213 (\d+)/.exec(size2.text)?.[1] ?? partial);
    const rest2 = await c2.cmd(`REST ${offset}`);
    const finish = await transfer(c2, 'STOR firmware-new.bin', { mode: 'passive', upload: up.subarray(offset), expectedBytes: up.length - offset });
    finish.serverFileSize = serverFileSize(server, 'firmware-new.bin');
    await c2.quit();
    const stats = await cap.stop();
    const onServer = readFileSync(join(server.root, 'firmware-new.bin'));
    await server.stop();

    const downloadOk = whole.equals(down);
    const uploadOk = onServer.equals(up);
    ctx.writeTruth(
      name,
      realTruth('rest-resume', stats, filter, server, {
        client: { ...RAW_CLIENT, address: '127.0.0.1' },
        mode: 'passive',
        sessions: [sessionOf('first session (download cut)', c1, server), sessionOf('second session (resume)', c2, server)],
        transfers: [cut, resumed, short, finish],
        resets: [`client reset the first RETR data connection after reading ${cut.clientRead} B (SO_LINGER 0)`],
        notes: [
          `download: ${have.length} B + ${whole.length - have.length} B after REST ${have.length} = ${whole.length} B, sha256 ${sha(whole)}; source sha256 ${sha(down)}: ${downloadOk ? 'identical' : 'DIFFERENT'}`,
          `upload: ${partial} B (FIN), SIZE says ${offset}, REST ${offset} + ${up.length - offset} B = ${onServer.length} B on the server, sha256 ${sha(onServer)}; source ${sha(up)}: ${uploadOk ? 'identical' : 'DIFFERENT'}`,
        ],
        story:
          `pyftpdlib ${server.version}, two sessions. First: SIZE firmware.bin, then RETR over PASV; the client resets the data connection after ` +
          `${cut.clientRead} of ${down.length} B and pyftpdlib answers ${cut.replies.slice(1).join(' ') || 'nothing'}; QUIT. Second session: ` +
          `SIZE → ${size.code}, REST ${have.length} → ${rest1.code}, RETR → ${resumed.replies.join(' ')} with the remaining ${resumed.clientRead} B; ` +
          `the joined file ${downloadOk ? 'matches' : 'does NOT match'} the source. Then STOR firmware-new.bin sends only ${partial} of ${up.length} B and closes ` +
          `the data connection normally, so the server answers ${short.replies.join(' ')}; SIZE → ${offset}, REST ${offset} → ${rest2.code}, STOR of the ` +
          `remaining ${finish.clientWrote} B → ${finish.replies.join(' ')}; the server's file ${uploadOk ? 'matches' : 'does NOT match'} the source. QUIT → 221.`,
      }),
    );
    if (!downloadOk || !uploadOk) ctx.log('WARNING: resumed file differs from the source (see truth notes)');
  },
};
