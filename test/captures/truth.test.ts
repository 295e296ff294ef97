// The captures/ library checked against ground truth: each NAME.truth.json was written by the
// recording script from what the client and server observed (commands sent, replies received,
// bytes written and read, what the server kept), independently of the analyzer. Here the
// analyzer's view of each trace must agree with it.

import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { analyzeFile, type AnalysisResult } from '../../src/pipeline/analyze.ts';
import { readKeyLog } from '../../src/tls/keylog.ts';
import type { Transfer } from '../../src/ftp/types.ts';

const dir = fileURLToPath(new URL('../../captures/', import.meta.url));

interface TruthTransfer {
  command: string; //       'STOR incoming/backup.tar'
  mode: string; //          passive, active, extended-passive, extended-active
  replies: number[];
  dataEnd?: string | null; // 'fin', 'rst-by-client', …
  clientWrote?: number;
  clientRead?: number;
  serverFileSize?: number;
}
interface TruthDialogStep {
  command: string | null;
  replies: Array<{ code: number }>;
}
interface Truth {
  trace: string;
  crafted: boolean;
  sessions: Array<{ label: string; server?: string; dialog: TruthDialogStep[] }>;
  transfers: TruthTransfer[];
}

const truths = readdirSync(dir)
  .filter((f) => f.endsWith('.truth.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(dir + f, 'utf8')) as Truth);

const rules = loadRules();
const results = new Map<string, Promise<AnalysisResult>>();
function analysed(trace: string): Promise<AnalysisResult> {
  let r = results.get(trace);
  if (!r) {
    r = analyzeFile(dir + trace, { rules }).then(({ result, error }) => {
      if (error) throw error;
      return result;
    });
    results.set(trace, r);
  }
  return r;
}

/** Implicit FTPS (port 990): TLS from the first byte, nothing of the dialog is readable. */
const isImplicit = (s: { server?: string }) => s.server?.endsWith(':990') ?? false;

/** The part of a session's dialog a passive observer can read: everything up to AUTH's 234. */
function clearDialog(dialog: TruthDialogStep[], implicit = false): TruthDialogStep[] {
  const out: TruthDialogStep[] = [];
  if (implicit) return out;
  for (const step of dialog) {
    out.push(step);
    if (step.command?.toUpperCase().startsWith('AUTH ') && step.replies.some((r) => r.code === 234)) break;
  }
  return out;
}

const isEncrypted = (t: Truth) => t.sessions.some((s) => isImplicit(s) || s.dialog.some((d) => d.command?.toUpperCase().startsWith('AUTH ') && d.replies.some((r) => r.code === 234)));

function split(command: string): { verb: string; arg: string } {
  const i = command.indexOf(' ');
  return i < 0 ? { verb: command.toUpperCase(), arg: '' } : { verb: command.slice(0, i).toUpperCase(), arg: command.slice(i + 1) };
}

describe('captures/: the analyzer agrees with the ground truth of every recording', () => {
  it('has the library (at least 25 traces with truth files)', () => {
    expect(truths.length).to.be.at.least(25);
  });

  for (const truth of truths) {
    describe(truth.trace, () => {
      // The truth dialog is in arrival order as the client read it (a reply is filed under the
      // last command sent, and pseudo-steps like "<IAC IP …>" stand for raw bytes), so it is
      // compared as two sequences: the commands, and the reply codes — the client's as a prefix
      // of the analyzer's, since a client may close before reading the last reply (a 221).
      it('sees every command and reply the client saw, in order', async () => {
        const r = await analysed(truth.trace);
        expect(r.sessions.length, 'FTP sessions').to.equal(truth.sessions.length);
        truth.sessions.forEach((ts, i) => {
          const s = r.sessions[i]!;
          const dialog = clearDialog(ts.dialog, isImplicit(ts));
          const commands = dialog.filter((d) => d.command !== null && !d.command.startsWith('<')).map((d) => split(d.command!).verb);
          expect(s.commands.slice(0, commands.length).map((c) => c.verb), `commands of session ${ts.label}`).to.deep.equal(commands);
          const codes = dialog.flatMap((d) => d.replies.map((x) => x.code));
          const replies = [
            ...(s.greeting ? [s.greeting] : []),
            ...s.commands.flatMap((c) => [...c.preliminary, ...(c.reply ? [c.reply] : [])]),
            ...s.unsolicited,
          ].sort((a, b) => a.firstFrame - b.firstFrame);
          expect(replies.slice(0, codes.length).map((x) => x.code), `replies of session ${ts.label}`).to.deep.equal(codes);
        });
      });

      if (truth.transfers.length === 0 || isEncrypted(truth)) return;

      it('finds each transfer with its mode and replies', async () => {
        const r = await analysed(truth.trace);
        const mine = matchTransfers(r.transfers, truth.transfers);
        truth.transfers.forEach((tt, i) => {
          const t = mine[i];
          expect(t, `transfer ${tt.command}`).to.not.equal(undefined);
          expect(t!.replyCodes, tt.command).to.deep.equal(tt.replies);
          // a transfer refused before any data connection has no mode to check
          if (t!.mode !== null) expect(t!.mode, tt.command).to.equal(tt.mode.replace('extended-', ''));
        });
      });

      it('counts the bytes the client wrote or read on every cleanly closed data connection', async () => {
        const r = await analysed(truth.trace);
        const mine = matchTransfers(r.transfers, truth.transfers);
        truth.transfers.forEach((tt, i) => {
          const t = mine[i]!;
          if (tt.dataEnd === 'fin' && tt.clientWrote !== undefined) {
            expect(t.bytes, `${tt.command}: bytes the client wrote`).to.equal(tt.clientWrote);
            expect(t.bytesAcked, `${tt.command}: acknowledged by the server`).to.equal(tt.clientWrote);
          }
          if (tt.dataEnd === 'fin' && tt.clientRead !== undefined) expect(t.bytes, `${tt.command}: bytes the client read`).to.equal(tt.clientRead);
          if (tt.dataEnd === 'rst-by-client' && tt.clientWrote !== undefined) {
            // an abortive close may discard what was written but never sent
            expect(t.bytes, `${tt.command}: sent before the RST`).to.be.at.most(tt.clientWrote);
            if (tt.serverFileSize !== undefined && tt.serverFileSize > 0)
              expect(t.bytesAcked, `${tt.command}: the server kept what it acknowledged`).to.equal(tt.serverFileSize);
          }
        });
      });

      it('reports what the recording shows went wrong', async () => {
        const r = await analysed(truth.trace);
        const ids = new Set(r.findings.map((f) => f.id));
        const upload = (tt: TruthTransfer) => /^(STOR|STOU|APPE)\b/i.test(tt.command);
        for (const tt of truth.transfers) {
          if (tt.dataEnd === 'rst-by-client' && upload(tt)) expect(ids, `${tt.command} was reset by the client`).to.include('upload-reset');
          if (tt.replies.includes(425)) expect(ids, `${tt.command} got 425`).to.include('data-connection-failed');
          if (tt.replies.includes(426) && !upload(tt)) expect([...ids].some((id) => id === 'transfer-aborted' || id === 'transfer-truncated'), `${tt.command} got 426`).to.equal(true);
          if (tt.replies.includes(550)) expect(ids, `${tt.command} got 550`).to.satisfy((s: Set<string>) => s.has('file-unavailable') || s.has('upload-reset'));
        }
        const codes = truth.sessions.flatMap((s) => s.dialog.flatMap((d) => d.replies.map((x) => x.code)));
        if (codes.includes(530) && !truth.sessions.some((s) => s.dialog.some((d) => d.replies.some((x) => x.code === 230))))
          expect(ids).to.include('login-failed');
        if (codes.includes(421)) expect(ids).to.include('service-unavailable');
        // a clean recording yields no error and no warning
        if (/-clean$/.test(truth.trace.replace(/\.pcap(ng)?$/, '')))
          expect(r.findings.filter((f) => f.severity !== 'info').map((f) => `${f.id}: ${f.summary}`)).to.deep.equal([]);
      });
    });
  }
});

// FTPS with the client's key log (NAME.keylog): the whole dialog inside TLS is read, and every
// transfer with its replies and the file bytes the client wrote or read.
describe('captures/: FTPS traces decrypted with their key logs agree with the ground truth', () => {
  for (const truth of truths.filter((t) => existsSync(dir + t.trace.replace(/\.pcap(ng)?$/, '.keylog')))) {
    const decrypted = () => analyzeFile(dir + truth.trace, { rules, keyLog: readKeyLog(dir + truth.trace.replace(/\.pcap(ng)?$/, '.keylog')) }).then(({ result }) => result);
    it(`${truth.trace}: every command and reply, every transfer and its bytes`, async () => {
      const r = await decrypted();
      expect(r.sessions.length, 'FTP sessions').to.equal(truth.sessions.length);
      truth.sessions.forEach((ts, i) => {
        const s = r.sessions[i]!;
        const commands = ts.dialog.filter((d) => d.command !== null && !d.command.startsWith('<')).map((d) => split(d.command!).verb);
        expect(s.commands.slice(0, commands.length).map((c) => c.verb), `commands of session ${ts.label}`).to.deep.equal(commands);
        const codes = ts.dialog.flatMap((d) => d.replies.map((x) => x.code));
        const replies = [...(s.greeting ? [s.greeting] : []), ...s.commands.flatMap((c) => [...c.preliminary, ...(c.reply ? [c.reply] : [])])].sort((a, b) => a.firstFrame - b.firstFrame);
        expect(replies.slice(0, codes.length).map((x) => x.code), `replies of session ${ts.label}`).to.deep.equal(codes);
      });
      const mine = matchTransfers(r.transfers, truth.transfers);
      truth.transfers.forEach((tt, i) => {
        const t = mine[i];
        expect(t, `transfer ${tt.command}`).to.not.equal(undefined);
        // the client may close before reading the last reply: its codes are a prefix of ours
        expect(t!.replyCodes.slice(0, tt.replies.length), tt.command).to.deep.equal(tt.replies);
        expect(t!.bytesStatus, tt.command).to.equal('counted');
        const done = tt.replies.at(-1) === 226;
        if (done && tt.clientWrote !== undefined) expect([t!.bytes, t!.bytesAcked], `${tt.command}: bytes the client wrote`).to.deep.equal([tt.clientWrote, tt.clientWrote]);
        if (done && tt.clientRead !== undefined) expect(t!.bytes, `${tt.command}: bytes the client read`).to.equal(tt.clientRead);
      });
    });
  }
});

/** Truth transfers in order, each matched to the next analyzer transfer with the same command
 *  and argument. */
function matchTransfers(actual: readonly Transfer[], truth: readonly TruthTransfer[]): Array<Transfer | undefined> {
  let from = 0;
  return truth.map((tt) => {
    const { verb, arg } = split(tt.command);
    for (let i = from; i < actual.length; i++) {
      const t = actual[i]!;
      if (t.command === verb && t.argument === arg) {
        from = i + 1;
        return t;
      }
    }
    return undefined;
  });
}
