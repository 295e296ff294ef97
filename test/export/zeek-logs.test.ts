// --format zeek: conn.log and ftp.log read back by a reader that follows Zeek's documented log
// rules (zeek-reader.ts: what zeek-cut and Zeek's own ASCII reader do), with conn_state and
// history on crafted connections for each state claimed, uids that join the two files, Zeek's
// escaping of wire strings and its hidden password, and Zeek's own published conn.log rows for
// corpus traces.

import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { analyzeFile } from '../../src/pipeline/analyze.ts';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { buildJsonReport } from '../../src/report/json.ts';
import { resultView } from '../../src/view/result.ts';
import { zeekLogs, CONN_COLUMNS, FTP_COLUMNS } from '../../src/export/zeek-logs.ts';
import { zeekEscape } from '../../src/export/zeek-tsv.ts';
import type { AnalysisResult } from '../../src/pipeline/result.ts';
import { analyse } from '../support/analyse.ts';
import { cli } from '../support/cli.ts';
import { scratchDir } from '../support/crafted-sessions.ts';
import { corpusDir, corpusPresent, NO_CORPUS_REASON } from '../support/trace-files.ts';
import { ZEEK_BASELINES } from '../tcp/zeek-agreement.test.ts';
import { readZeekLog, unescapeZeek, zeekCut, zeekHeader, zeekRawRows } from './zeek-reader.ts';
import { ACCOUNT, handOverSession, ODD_NAME, PASSWORD, SERVER } from './sessions.ts';

const at = new Date(Date.UTC(2026, 11, 6, 13, 25, 1));
const logsOf = (r: AnalysisResult, showPasswords = false) => zeekLogs(resultView(r, { showPasswords }).unit, { showPasswords, opened: at, closed: at });

describe('export/zeek: conn.log and ftp.log as Zeek writes them', () => {
  it('the header lines: separator, set separator, empty and unset marks, path, open, fields, types, close', () => {
    const logs = logsOf(analyse(handOverSession()));
    for (const [text, path, columns] of [[logs.conn, 'conn', CONN_COLUMNS], [logs.ftp, 'ftp', FTP_COLUMNS]] as const) {
      const lines = text.split('\n');
      expect(lines[0]).to.equal('#separator \\x09');
      const h = zeekHeader(text);
      expect(h).to.include({ separator: '\t', setSeparator: ',', emptyField: '(empty)', unsetField: '-', path, open: '2026-12-06-13-25-01', close: '2026-12-06-13-25-01' });
      expect(h.fields).to.deep.equal(columns.map((c) => c.name));
      expect(h.types).to.deep.equal(columns.map((c) => c.type));
      expect(lines.at(-2)).to.match(/^#close\t/);
      expect(text.endsWith('\n')).to.equal(true);
    }
    // Zeek's own column names and types for the fields both tools have
    const conn = zeekHeader(logs.conn);
    expect(conn.fields.slice(0, 12)).to.deep.equal(['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes', 'conn_state']);
    expect(conn.types.slice(0, 12)).to.deep.equal(['time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'string', 'interval', 'count', 'count', 'string']);
  });

  describe('conn_state and history on crafted connections', () => {
    // one connection per state, each on its own port pair; the states are Zeek's
    // (base/protocols/conn/main.zeek), the history letters Zeek's (upper case: originator)
    const cases: Array<[string, string, (c: ReturnType<TraceBuilder['tcp']>) => void]> = [
      ['SF', 'ShADdFaf', (c) => (c.handshake(), c.client('PA', 'hello'), c.server('PA', 'world'), c.close())],
      ['S0', 'S', (c) => void c.client('S')],
      ['REJ', 'Sr', (c) => (c.client('S'), c.server('RA'))],
      ['RSTO', 'ShADR', (c) => (c.handshake(), c.client('PA', 'x'), c.client('RA'))],
      ['RSTR', 'ShADr', (c) => (c.handshake(), c.client('PA', 'x'), c.server('RA'))],
      ['OTH', 'Da', (c) => (c.client('PA', 'mid-stream'), c.server('A'))],
      ['S1', 'ShADa', (c) => (c.handshake(), c.client('PA', 'open'), c.server('A'))],
      ['SH', 'SF', (c) => (c.client('S'), c.client('F'))],
    ];
    const t = new TraceBuilder();
    cases.forEach(([, , build], i) => build(t.tcp({ client: `192.0.2.10:${40000 + i}`, server: `198.51.100.7:${8000 + i}` })));
    let rows: ReturnType<typeof readZeekLog>['rows'] = [];
    before(() => (rows = readZeekLog(logsOf(analyse(t)).conn).rows));
    cases.forEach(([state, history], i) => {
      it(`${state} (${history})`, () => {
        const row = rows.find((r) => r['id.resp_p'] === 8000 + i)!;
        expect(row, `a conn.log row for port ${8000 + i}`).to.not.equal(undefined);
        expect(row).to.include({ conn_state: state, history, proto: 'tcp', 'id.orig_h': '192.0.2.10', 'id.orig_p': 40000 + i, 'id.resp_h': '198.51.100.7' });
        // Zeek leaves duration and byte counts unset for a connection of a single instant
        if (state === 'S0') expect([row['duration'], row['orig_bytes'], row['resp_bytes']]).to.deep.equal([null, null, null]);
        else expect(row['duration']).to.be.a('number').and.greaterThan(0);
      });
    });
  });

  it('ftp.log: Zeek\'s logged commands with their final replies, paths as ftp:// URLs, the data channels', () => {
    const r = analyse(handOverSession());
    const { rows } = readZeekLog(logsOf(r).ftp);
    expect(rows.map((x) => x['command'])).to.deep.equal(['PASV', 'RETR', 'PORT', 'STOR', 'DELE', 'ACCT']);
    const [pasv, retr, port, stor, dele] = rows as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    expect(pasv).to.include({ reply_code: 227, 'data_channel.passive': true, 'data_channel.orig_h': '192.0.2.10', 'data_channel.resp_h': SERVER, 'data_channel.resp_p': 50000 });
    expect(port).to.include({ reply_code: 200, 'data_channel.passive': false, 'data_channel.orig_h': SERVER, 'data_channel.resp_h': '192.0.2.10', 'data_channel.resp_p': 40001 });
    expect(retr).to.include({ reply_code: 226, reply_msg: 'Transfer complete', file_size: 3000, 'ftpdiag.outcome': 'complete', user: 'anna' });
    expect(stor).to.include({ reply_code: 426, arg: `ftp://${SERVER}/pub/up.bin`, 'ftpdiag.outcome': 'aborted' });
    expect(stor['ftpdiag.findings']).to.deep.equal(['upload-reset']);
    expect(retr['ftpdiag.findings']).to.deep.equal([]);
    expect(pasv['ftpdiag.transfer']).to.equal(null);
    // the reply text '-' is data, not the unset mark
    expect(dele['reply_msg']).to.equal('-');
    expect(zeekRawRows(logsOf(r).ftp)[4]![FTP_COLUMNS.findIndex((c) => c.name === 'reply_msg')]).to.equal('\\x2d');
    // the path is the FTP stage's, as the JSON report has it
    const doc = buildJsonReport(r);
    const retrCmd = doc.sessions[0]!.commands.find((c) => c.verb === 'RETR')!;
    expect(retrCmd.path).to.equal(`/pub/${ODD_NAME}`);
    expect(retr['arg']).to.equal(`ftp://${SERVER}${retrCmd.path}`);
  });

  it('wire strings: one record per line, every byte outside printable ASCII as \\xNN, read back unchanged', () => {
    const text = logsOf(analyse(handOverSession())).ftp;
    const n = FTP_COLUMNS.length;
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      expect(line.split('\t'), line).to.have.length(n);
      expect(line).to.match(/^[\x20-\x7e\t]*$/); // no ESC, no raw UTF-8, no CR
    }
    expect(text).to.include('we\\x09ird \\x1b[2J back\\x5cslash \\xc3\\xa9.bin');
    for (const s of ['plain', 'tab\there', 'nl\nx', 'esc\x1b', 'back\\slash', 'é', '-', '(empty)', 'a,b']) expect(unescapeZeek(zeekEscape(s))).to.equal(s);
  });

  it('passwords hidden as Zeek hides them unless asked; the secrets appear in neither file', () => {
    const r = analyse(handOverSession());
    const hidden = logsOf(r);
    for (const text of [hidden.conn, hidden.ftp]) {
      expect(text).to.not.include(PASSWORD);
      expect(text).to.not.include(ACCOUNT);
    }
    const rows = readZeekLog(hidden.ftp).rows;
    expect(new Set(rows.map((x) => x['password']))).to.deep.equal(new Set(['<hidden>']));
    expect(rows.find((x) => x['command'] === 'ACCT')!['arg']).to.equal('<hidden>');
    const shown = readZeekLog(logsOf(r, true).ftp).rows;
    expect(new Set(shown.map((x) => x['password']))).to.deep.equal(new Set([PASSWORD]));
    expect(shown.find((x) => x['command'] === 'ACCT')!['arg']).to.equal(ACCOUNT);
  });

  it('uids join: ftp.log names its control connection and each transfer\'s data connection as conn.log does', () => {
    const logs = logsOf(analyse(handOverSession()));
    const conn = readZeekLog(logs.conn).rows;
    const ftp = readZeekLog(logs.ftp).rows;
    const byUid = new Map(conn.map((x) => [x['uid'] as string, x] as const));
    expect(byUid.size, 'uids are unique').to.equal(conn.length);
    for (const x of conn) expect(x['uid']).to.match(/^C[0-9A-Za-z]{17}$/);
    for (const x of ftp) {
      const control = byUid.get(x['uid'] as string)!;
      expect(control, 'the control connection is in conn.log').to.not.equal(undefined);
      expect(control).to.include({ service: 'ftp', 'id.orig_h': x['id.orig_h'], 'id.orig_p': x['id.orig_p'], 'id.resp_h': x['id.resp_h'], 'id.resp_p': x['id.resp_p'] });
    }
    // each transfer's data connection goes to the endpoint the announcement before it named
    const joined = ftp.filter((x) => x['ftpdiag.data_uid'] !== null);
    expect(joined.map((x) => x['command'])).to.deep.equal(['RETR', 'STOR']);
    for (const x of joined) {
      const data = byUid.get(x['ftpdiag.data_uid'] as string)!;
      expect(data).to.include({ service: 'ftp-data' });
      const announced = ftp.filter((y) => y['data_channel.resp_p'] !== null && (y['ts'] as number) < (x['ts'] as number)).at(-1)!;
      expect(data['id.resp_p']).to.equal(announced['data_channel.resp_p']);
      expect(data['id.resp_h']).to.equal(announced['data_channel.resp_h']);
    }
    // the same joins through zeek-cut's output
    const cut = zeekCut(logs.conn, ['uid', 'service']).trim().split('\n').map((l) => l.split('\t'));
    expect(cut).to.deep.equal(conn.map((x) => [x['uid'], x['service']]));
    expect(zeekCut(logs.conn, ['uid', 'service'], { headers: true })).to.match(/^#separator \\x09\n[\s\S]*#fields\tuid\tservice\n#types\tstring\tstring\n/);
  });

  describe("Zeek's own conn.log rows for corpus traces", () => {
    for (const [trace, expected] of Object.entries(ZEEK_BASELINES)) {
      it(trace, async function () {
        if (!corpusPresent || !existsSync(join(corpusDir, trace))) {
          this.test!.title += ` — skipped: ${NO_CORPUS_REASON}`;
          this.skip();
        }
        const { result } = await analyzeFile(join(corpusDir, trace), { rules: loadRules() });
        const rows = readZeekLog(logsOf(result).conn).rows;
        expect(rows.map((x) => [x['id.orig_p'], x['id.resp_p'], x['conn_state'], x['history'], x['orig_bytes'], x['resp_bytes']])).to.have.deep.members(expected);
      });
    }
  });

  it('analyze --format zeek --log-dir DIR writes both files; --log-dir alone is a usage error', async () => {
    const s = scratchDir('ftpdiag-zeek-');
    try {
      const trace = s.file('session.pcap');
      handOverSession().writePcap(trace);
      const r = await cli(['analyze', '--format', 'zeek', '--log-dir', s.file('logs'), trace]);
      expect(r.code, r.err).to.equal(1); // upload-reset is an error
      expect(r.out).to.equal('');
      expect(r.err).to.match(/^ftpdiag: wrote conn\.log \(3 rows\) and ftp\.log \(6 rows\) in /);
      expect(readZeekLog(readFileSync(s.file('logs/conn.log'), 'utf8')).rows).to.have.length(3);
      expect(readZeekLog(readFileSync(s.file('logs/ftp.log'), 'utf8')).rows).to.have.length(6);
      const bad = await cli(['analyze', '--log-dir', s.file('x'), trace]);
      expect(bad.code).to.equal(2);
      expect(bad.err).to.include('--log-dir goes with --format zeek');
      const both = await cli(['analyze', '--json', '--format', 'eve', trace]);
      expect(both.code).to.equal(2);
    } finally {
      s.remove();
    }
  });
});
