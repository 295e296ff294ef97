// ../shared/corpus/realworld/expectations.yaml, checked mechanically: every `must` and `must_not`
// of every trace has a checker here, in the order the file lists them, that looks at the JSON
// report (ids, severities, frames, facts), never at wording. A new entry in the file without a
// checker fails the test. A check that depends on another issue's work is reported as pending
// with that issue when it fails, and passes as soon as that work lands.
//
// These captures are a development set: each class they stand for has tests of its own built
// from crafted traces (the other files of test/field/); nothing is fitted to these files.

import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { cli } from '../support/cli.ts';
import { projectRoot } from '../support/trace-files.ts';

const dir = join(projectRoot, '..', 'shared', 'corpus', 'realworld');
const traces = join(dir, 'traces');

type Doc = Record<string, any>;
type F = { id: string; severity: string; frames: number[]; session: number | null; connection: number | null; transfer: number | null; summary: string };
/** A checker: null when the report satisfies the entry, else why not. */
type Check = (r: Doc) => string | null;
interface Entry {
  check: Check;
  owner?: string; // another issue whose work the entry depends on: pending (not failed) while it fails
}

const findings = (r: Doc, id?: string): F[] => (r.findings as F[]).filter((f) => id === undefined || f.id === id);
const atLeast = (f: F, sev: 'warning' | 'error') => (sev === 'warning' ? f.severity !== 'info' : f.severity === 'error');
const ok = (cond: boolean, why: string): string | null => (cond ? null : why);
const all = (...results: Array<string | null>): string | null => results.find((x) => x !== null) ?? null;
const connection = (r: Doc, id: number | null) => (r.connections as Doc[]).find((c) => c.id === id);
const sessionOfFrame = (r: Doc, frame: number) =>
  (r.sessions as Doc[]).find((s) => {
    const c = connection(r, s.control);
    return c && frame >= c.firstFrame && frame <= c.lastFrame && (s.unsolicited as Doc[]).some((u) => u.frame === frame || u.firstFrame === frame);
  });
const replyCode = (r: Doc, code: number) => (r.replyCodes as Doc[]).find((x) => x.code === code);
const sites = (r: Doc) => (r.sessions as Doc[]).flatMap((s) => (s.commands as Doc[]).filter((c) => c.verb === 'SITE'));

const checks: Record<string, { must: Entry[]; must_not: Entry[] }> = {
  'aliawa-ftp.pcap': {
    must: [
      // the 425 of frame 65: in the reply codes, and a finding at warning or error about a session begun before the capture
      {
        check: (r) => {
          const s = sessionOfFrame(r, 65);
          const f = findings(r).find((x) => x.frames.includes(65) && atLeast(x, 'warning') && x.session === s?.id);
          return all(
            ok(replyCode(r, 425)?.frames.includes(65) === true, '425 at frame 65 missing from the reply codes'),
            ok(s !== undefined && s.startedMidSession === true, 'no session begun before the capture holds frame 65'),
            ok(f !== undefined && f.id === 'reply-without-command', 'no warning/error reply-without-command citing frame 65'),
          );
        },
      },
      // the SITE refusals: one grouped finding (not a file problem) that knows the uploads after it succeeded
      {
        check: (r) => {
          const refused = sites(r).filter((c) => c.reply?.code === 550);
          const g = findings(r, 'command-not-supported');
          const later = (r.transfers as Doc[]).filter((t) => t.command === 'STOR' && t.commandFrame > refused[0]?.frame);
          return all(
            ok(refused.length >= 2, 'expected several SITE commands answered 550'),
            ok(g.length === 1, `one command-not-supported finding expected, got ${g.length}`),
            ok(g.length === 1 && refused.every((c) => g[0]!.frames.includes(c.frame)), 'the finding does not cite every refused SITE'),
            ok(later.length > 0 && later.every((t) => t.outcome === 'complete'), 'the uploads after the refusals are not all complete'),
            // the later work succeeded: the finding says so by its severity (info; warning when it failed)
            ok(g.length === 1 && g[0]!.severity === 'info', 'the grouped refusal should be info when the work after it succeeded'),
          );
        },
      },
      // the empty uploads: 6 of 7 STORs stored 0 bytes, at info or warning
      {
        check: (r) => {
          const stors = (r.transfers as Doc[]).filter((t) => t.command === 'STOR');
          const empty = stors.filter((t) => t.bytesStatus === 'counted' && t.bytes === 0);
          const g = findings(r, 'empty-transfer');
          return all(
            ok(stors.length === 7 && empty.length === 6, `expected 6 of 7 STORs empty, got ${empty.length} of ${stors.length}`),
            ok(g.length === 1 && g[0]!.severity !== 'error', 'one empty-transfer finding at info or warning expected'),
            ok(g.length === 1 && empty.every((t) => g[0]!.frames.includes(t.commandFrame)), 'the finding does not cite every empty upload'),
          );
        },
      },
      // the missing-but-acknowledged segments attributed to the capture, at info
      {
        check: (r) => {
          const t = (r.transfers as Doc[]).find((x) => x.bytes > 0 && x.bytesMissing > 0);
          if (!t) return 'no transfer with bytes missing from the capture';
          const fs = findings(r).filter((f) => f.connection === t.dataConnection && (f.id === 'ack-unseen' || f.id === 'lost-segment'));
          return ok(fs.length > 0 && fs.every((f) => f.severity === 'info'), 'the capture loss is not reported at info (ack-unseen / lost-segment)');
        },
      },
    ],
    must_not: [
      { check: (r) => ok(!findings(r, 'file-unavailable').some((f) => sites(r).some((c) => f.frames.includes(c.frame))), 'file-unavailable cites a SITE command') },
      {
        check: (r) =>
          ok(
            !findings(r, 'lost-segment').some((f) => {
              const c = connection(r, f.connection);
              return f.severity !== 'info' && c && c.client.bytesAcked >= c.client.bytesSent && c.server.bytesAcked >= c.server.bytesSent;
            }),
            'lost-segment at warning for bytes the receiver acknowledged',
          ),
      },
    ],
  },

  'csp-ftp-crack.pcap': {
    must: [
      {
        check: (r) =>
          all(
            ok(findings(r, 'capture-repeats').some((f) => f.severity === 'warning'), 'no capture-repeats warning'),
            ok(r.capture.repeats?.duplicates > 0 && r.capture.repeats?.stepsBack > 0, 'copies and the step back not counted'),
            ok(r.summary.connections === 714, `714 connections expected, got ${r.summary.connections}`),
          ),
      },
      {
        check: (r) => {
          const g = findings(r, 'password-guessing');
          const l = (r.logins as Doc[]).find((x) => x.client === '10.234.125.254');
          return all(
            ok(g.length === 1 && atLeast(g[0]!, 'warning'), 'one password-guessing finding at warning or error expected'),
            ok(findings(r, 'login-failed').length === 0, 'login-failed findings beside the guessing finding'),
            ok(l !== undefined && l.failures >= 600 && l.success === null, 'the client’s failed logins are not counted'),
            ok(l !== undefined && ['admin', 'administrator'].every((u) => l.users.includes(u)), 'users tried not listed'),
            ok(l !== undefined && l.lastFailureTime - l.firstFailureTime < 60 && l.lastFailureTime > l.firstFailureTime, 'time span missing'),
          );
        },
      },
    ],
    must_not: [
      {
        check: (r) =>
          ok(
            !findings(r).some((f) => {
              if (!['zero-window', 'control-reset'].includes(f.id) || f.severity === 'info') return false;
              const c = connection(r, f.connection);
              return c && c.client.finFrame !== null && c.client.finFrame < f.frames[0]!;
            }),
            'zero-window or control-reset at warning after the client’s FIN',
          ),
      },
      {
        check: (r) =>
          ok(
            findings(r, 'login-failed').every((f) => {
              const s = (r.sessions as Doc[]).find((x) => x.id === f.session);
              const refused = s ? (s.commands as Doc[]).filter((c) => c.reply?.code === 530).length : 0;
              return !/: ;|\(\)/.test(f.summary) && (s === undefined || f.frames.length >= refused);
            }),
            'a login-failed with an empty list or a count off the session line',
          ),
      },
    ],
  },

  'csp-ftp-uploadfailed.pcap': {
    must: [
      {
        check: (r) => {
          const t = (r.transfers as Doc[])[0];
          return ok(t !== undefined && t.session === null && t.dataEvidence === 'port-20' && t.direction === 'upload', 'the lone port-20 data connection is not analysed as an upload');
        },
      },
      {
        check: (r) => {
          const t = (r.transfers as Doc[])[0];
          const f = findings(r, 'lone-data-connection').find((x) => atLeast(x, 'warning'));
          return all(
            ok(t !== undefined && t.dataClose.kind === 'rst' && t.dataClose.by === 'server' && Math.abs(t.bytesAcked - 1_380_000) < 20_000, 'not the FTP server side resetting after ~1.38 MB'),
            ok(f !== undefined && t !== undefined && f.frames.includes(t.dataClose.frame), 'no warning/error with the reset frame'),
          );
        },
      },
    ],
    must_not: [{ check: (r) => ok(r.summary.sessions + r.summary.transfers > 0 || r.summary.errors + r.summary.warnings > 0, '0 FTP sessions, 0 errors, 0 warnings') }],
  },

  'csp-ftpclientdenied.pcap': {
    must: [
      {
        check: (r) => {
          const f = findings(r, 'ftp-server-unreachable');
          return all(
            ok(f.length === 1 && atLeast(f[0]!, 'warning'), 'one ftp-server-unreachable at warning or error expected'),
            ok(f.length === 1 && f[0]!.frames.length === 3, 'the three SYNs are not cited'),
          );
        },
      },
    ],
    must_not: [{ check: (r) => ok(findings(r).some((f) => f.id !== 'no-ftp-traffic' && f.severity !== 'info'), 'only no-ftp-traffic and info lines') }],
  },

  'luguifang-ftp-cmd.pcap': {
    must: [
      { check: (r) => ok(r.sessions[0]?.startedMidSession === true && r.sessions[0]?.loginState === 'unknown', 'login state not unknown for a session begun before the capture') },
      {
        check: (r) => {
          const t = (r.transfers as Doc[]).find((x) => x.command === 'RETR' && x.argument === 'putty.exe');
          const f = findings(r, 'data-connection-not-captured');
          return all(
            ok(t !== undefined && t.finalReply?.code === 226 && t.bytesStatus === 'not-captured' && t.bytes === null, 'RETR putty.exe not 226 with its bytes "not captured"'),
            ok(f.length === 1 && f[0]!.severity === 'info' && f[0]!.transfer === t?.id, 'data-connection-not-captured (info) missing'),
          );
        },
      },
    ],
    must_not: [
      {
        check: (r) =>
          all(
            ok(r.sessions[0]?.loginState !== 'not-logged-in' && r.sessions[0]?.loginState !== 'failed', 'said not logged in'),
            ok(findings(r).every((f) => !['login-failed', 'command-before-login', 'password-guessing'].includes(f.id)), 'a login finding'),
          ),
      },
    ],
  },

  'luguifang-ftp-cmd.pcap+luguifang-ftp-data.pcap': {
    must: [
      {
        check: (r) => {
          const t = (r.transfers as Doc[]).find((x) => x.command === 'RETR' && x.argument === 'putty.exe');
          return all(
            ok(t !== undefined && t.dataConnection !== null && t.bytes === 397_312 && t.outcome === 'complete', 'RETR putty.exe not linked with 397,312 bytes, complete'),
            ok(typeof r.capture.merged?.command === 'string' && r.capture.merged.command.startsWith('mergecap -w '), 'the merge is not described'),
          );
        },
      },
    ],
    must_not: [],
  },

  'samuelito-ftps.pcap': {
    must: [
      {
        check: (r) => {
          const s = r.sessions[0];
          const f = findings(r, 'tls-encrypted');
          return ok(f.length === 1 && f[0]!.severity === 'info' && s?.tls.encryptedFromFrame > 0 && f[0]!.frames.includes(s.tls.encryptedFromFrame), 'tls-encrypted (info) with the frame encryption starts');
        },
      },
      {
        check: (r) => {
          const ts = r.transfers as Doc[];
          const f = findings(r, 'encrypted-data-connection');
          return all(
            ok(ts.length === 3, `three data connections expected, got ${ts.length}`),
            ok(ts.every((t) => t.command === 'unknown' && t.direction === 'unknown' && t.outcome === 'unknown'), 'command, direction and outcome not all unknown'),
            ok(ts.every((t) => t.bytesStatus === 'encrypted' && t.bytes === null), 'TLS bytes counted as file bytes'),
            ok(ts.every((t) => t.tlsData !== null && ['clean', 'no-close-notify', 'reset', 'reset-after-close-notify'].includes(t.tlsData.verdict)), 'the TLS close of each data connection not judged'),
            ok(f.length === ts.length, 'encrypted-data-connection not said for each data connection'),
          );
        },
      },
    ],
    must_not: [{ check: (r) => ok((r.transfers as Doc[]).every((t) => t.outcome !== 'complete' && t.direction !== 'upload'), 'an outcome or direction guessed from TLS bytes') }],
  },

  'paresh-ftp-data.pcap': {
    must: [
      {
        check: (r) => {
          const l = (r.logins as Doc[]).find((x) => x.failures >= 3);
          const f = findings(r, 'login-failed');
          return all(
            ok(l !== undefined && l.success !== null && l.success.user === 'dj', 'the later successful login of the same client not recorded'),
            ok(f.length === 1 && f[0]!.severity !== 'error', 'the failed attempts are not one finding below error'),
          );
        },
      },
    ],
    must_not: [
      { check: (r) => ok(findings(r, 'login-failed').every((f) => f.severity !== 'error'), 'login-failed at error although the client logged in later') },
      {
        check: (r) =>
          ok(
            !findings(r, 'tcp-reset').some((f) => {
              const c = connection(r, f.connection);
              const t = (r.transfers as Doc[]).find((x) => x.dataConnection === f.connection);
              return f.severity !== 'info' && c && t && t.receiverAckedAll && c.reset && ['CLOSE-WAIT', 'LAST-ACK', 'CLOSING', 'TIME-WAIT'].includes(c.reset.senderState);
            }),
            'tcp-reset at warning after all data and the FIN were acknowledged',
          ),
      },
    ],
  },

  'karthik-ftp_ipv6.pcap': {
    must: [
      {
        check: (r) => {
          const t = (r.transfers as Doc[])[0];
          return ok(r.sessions.length === 1 && t?.command === 'LIST' && t.bytes === 527 && t.outcome === 'complete' && t.announcement?.command === 'EPRT', 'the EPRT LIST of 527 bytes, complete');
        },
      },
    ],
    must_not: [{ check: (r) => ok(r.summary.errors + r.summary.warnings === 0, `${r.summary.errors} errors, ${r.summary.warnings} warnings`) }],
  },

  'csp-tcp-con-lost.pcap': {
    must: [
      {
        check: (r) =>
          all(
            ok(findings(r, 'no-ftp-traffic').length === 1, 'no-ftp-traffic missing'),
            ok(findings(r, 'retransmission').some((f) => f.severity === 'info' && f.frames.length === 5), 'the retransmissions (info) missing'),
          ),
      },
    ],
    must_not: [],
  },
};

type Expectations = Record<string, { must?: string[]; must_not?: string[] }>;

/** The file as YAML; a list item that opens with a quoted phrase and goes on after it
 *  (`- "0 FTP sessions" as the whole story`, not valid YAML) is read as the whole line of text. */
export function parseExpectations(text: string): Expectations {
  const lines = text.split('\n').map((line) => {
    const m = /^(\s*- )(".*?"\s+\S.*)$/.exec(line);
    return m ? `${m[1]}'${m[2]!.replace(/'/g, "''")}'` : line;
  });
  return parse(lines.join('\n')) as Expectations;
}

describe('field captures: ../shared/corpus/realworld/expectations.yaml', function () {
  this.timeout(120_000);
  if (!existsSync(join(dir, 'expectations.yaml'))) {
    it('needs ../shared/corpus/realworld', function () {
      this.skip(); // ../shared is absent (a clone without the shared corpus): nothing to check
    });
    return;
  }
  const expectations = parseExpectations(readFileSync(join(dir, 'expectations.yaml'), 'utf8'));
  const reports = new Map<string, Promise<Doc>>();
  const report = (key: string): Promise<Doc> => {
    if (!reports.has(key)) {
      const files = key.split('+').map((f) => join(traces, f));
      reports.set(key, cli(['analyze', '--json', ...files]).then((r) => JSON.parse(r.out) as Doc));
    }
    return reports.get(key)!;
  };

  it('has a checker for every entry of the file', () => {
    for (const [trace, e] of Object.entries(expectations)) {
      expect(checks[trace], trace).to.not.equal(undefined);
      expect(checks[trace]!.must.length, `${trace}: must`).to.equal(e.must?.length ?? 0);
      expect(checks[trace]!.must_not.length, `${trace}: must_not`).to.equal(e.must_not?.length ?? 0);
    }
  });

  for (const [trace, e] of Object.entries(expectations)) {
    for (const kind of ['must', 'must_not'] as const) {
      (e[kind] ?? []).forEach((text, i) => {
        it(`${trace} ${kind} #${i + 1}: ${text.slice(0, 90)}`, async function () {
          const entry = checks[trace]?.[kind][i];
          if (!entry) throw new Error('no checker for this entry');
          const why = entry.check(await report(trace));
          if (why !== null && entry.owner) {
            console.log(`      pending on ${entry.owner}: ${why}`);
            this.skip();
          }
          expect(why, why ?? '').to.equal(null);
        });
      });
    }
  }
});
