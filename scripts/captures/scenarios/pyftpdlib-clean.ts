// Scenario 2 (pyftpdlib) + 16 (pcapng): lftp against pyftpdlib on port 2121, recorded by dumpcap
// in pcapng. lftp brings a real client's habits (FEAT before login, AUTH TLS probe refused with
// 500, OPTS MLST, SIZE/MDTM before RETR, MFMT after STOR); pyftpdlib answers 125 (not 150)
// because its passive data connection is already open.

import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from '../lib/context.ts';
import { lftpVersion, runLftp } from '../lib/lftp-session.ts';
import { startPyftpdlib } from '../lib/servers/pyftpdlib.ts';
import type { TruthTransfer } from '../lib/truth.ts';
import { brief, cleanFiles, endpoint, hostFilter, realTruth, serverFileSize } from './common.ts';

export const pyftpdlibClean: Scenario = {
  name: 'pyftpdlib-clean',
  title: 'lftp + pyftpdlib on 2121: LIST, MLSD, RETR, STOR (pcapng via dumpcap)',
  traces: ['pyftpdlib-lftp-passive-clean'],
  async run(ctx) {
    const name = 'pyftpdlib-lftp-passive-clean';
    const lftp = lftpVersion();
    if (!lftp) ctx.skip('lftp is not installed (apt-get install lftp)');
    const files = cleanFiles();
    const server = await startPyftpdlib(ctx, { host: '127.0.0.41', files: { [files.download.name]: files.download.data } });
    const local = ctx.tmpDir('lftp');
    mkdirSync(join(local, 'out'));
    writeFileSync(join(local, 'upload.bin'), files.upload.data);
    const filter = hostFilter(server.host);
    const cap = await ctx.capture(name, { iface: 'lo', filter, format: 'pcapng' });
    const r = await runLftp({
      host: server.host,
      port: server.port,
      user: 'anonymous',
      password: 'lftp@example.org',
      cwd: local,
      commands: ['ls', 'cls -l', `get ${files.download.name} -o out/${files.download.name}`, `put upload.bin -o ${files.upload.name}`],
    });
    const stats = await cap.stop();
    await server.stop();
    const got = statSync(join(local, 'out', files.download.name), { throwIfNoEntry: false })?.size ?? 0;
    const transfers: TruthTransfer[] = [];
    for (const s of r.transcript.steps) {
      if (!s.command || !/^(LIST|MLSD|RETR|STOR)\b/.test(s.command)) continue;
      const t: TruthTransfer = { command: s.command, mode: 'passive', replies: s.replies.map((x) => x.code) };
      if (s.command.startsWith('RETR')) Object.assign(t, { expectedBytes: files.download.data.length, clientRead: got, serverFileSize: serverFileSize(server, files.download.name) });
      if (s.command.startsWith('STOR')) Object.assign(t, { expectedBytes: files.upload.data.length, clientWrote: files.upload.data.length, serverFileSize: serverFileSize(server, files.upload.name) });
      transfers.push(t);
    }
    ctx.writeTruth(name, realTruth('pyftpdlib-clean', stats, filter, server, {
      client: { software: 'lftp', version: lftp!, address: '127.0.0.1' },
      mode: 'passive',
      sessions: [{ label: 'main', client: '127.0.0.1', server: endpoint(server.host, server.port), dialog: r.transcript.steps, replyCodes: r.transcript.codes(), closedBy: 'client (QUIT)' }],
      transfers,
      resets: [],
      notes: [`lftp exit code ${r.exitCode}`, 'dialog taken from lftp -d output after the run: its t values are 0 (no timing)', ...r.debug.filter((l) => /PASV|Connecting data|fixed/.test(l)).slice(0, 4)],
      story:
        `lftp ${lftp} against pyftpdlib ${server.version} listening on port ${server.port} (not 21), recorded with dumpcap in pcapng. ` +
        `lftp sends FEAT before logging in, probes AUTH TLS (500), tries OPTS UTF8 ON before login (530) and after (501), ` +
        `sets OPTS MLST, then: ${transfers.map(brief).join('; ')}. (pyftpdlib's preliminary reply is 125 "Data connection already open" ` +
        `when it has accepted the client's passive connection before the command arrives, 150 otherwise: a race, so it varies between ` +
        `recordings.) lftp checks SIZE/MDTM before RETR and sets the time with MFMT after STOR. QUIT → 221.`,
    }));
  },
};
