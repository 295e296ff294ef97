// `ftpdiag compare A B --ladder`: one connection drawn across both capture points. On the
// recorded two-point traces (what happened is in their NAME.truth.json) and on crafted pairs
// (ordering by the time a segment passed its first point, the one-way delay column, folding).

import { expect } from 'chai';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TcpFlag } from '../../src/decode/packet.ts';
import type { TwoPointLadder, TwoPointRow } from '../../src/compare/two-point-ladder.ts';
import { cli } from '../support/cli.ts';
import { writePair } from './support.ts';
import { TwoPoint } from './two-point.ts';

const captures = fileURLToPath(new URL('../../captures/', import.meta.url));
const ESC = '\x1b';

interface Truth {
  sessions: Array<{ client: string; server: string; dialog: Array<{ command: string | null; replies: Array<{ code: number }> }> }>;
  transfers: Array<{ replies: number[] }>;
  middlebox: { nat: { inside: string; outside: string }; forgedResets: number };
}
const truth = (name: string) => JSON.parse(readFileSync(join(captures, `${name}.truth.json`), 'utf8')) as Truth;

/** The text ladder and its model (--json) for the same arguments. */
async function ladder(args: string[]): Promise<{ text: string; m: TwoPointLadder }> {
  const t = await cli(['compare', ...args, '--ladder']);
  expect(t.code, t.err).to.equal(0);
  const j = await cli(['compare', ...args, '--ladder', '--json']);
  expect(j.code, j.err).to.equal(0);
  return { text: t.out, m: (JSON.parse(j.out) as { ladder: TwoPointLadder }).ladder };
}

const rowsOf = (m: TwoPointLadder) => m.items.filter((x): x is TwoPointRow => x.kind === 'packet');

/** A row's line in the text ladder and the lines drawn under it (payload text, differences). */
function drawn(text: string, r: TwoPointRow): { row: string; under: string[] } {
  const lines = text.split('\n');
  const isRow = (l: string) => /^\s*-?\d+\.\d{6}\s/.test(l);
  const i = lines.findIndex((l) => {
    if (!isRow(l)) return false;
    const tok = l.trim().split(/\s+/);
    return tok[0] === r.time.toFixed(6) && tok.slice(1, 3).includes(String(r.a?.frame ?? r.b!.frame));
  });
  expect(i, `row of A#${r.a?.frame} B#${r.b?.frame}`).to.be.at.least(0);
  const under: string[] = [];
  for (let k = i + 1; k < lines.length && !isRow(lines[k]!) && lines[k] !== '' && !lines[k]!.includes('┆'); k++) under.push(lines[k]!);
  return { row: lines[i]!, under };
}

/** Display width: every character the ladder uses is one column. */
function expectFits(text: string, width = 80): void {
  for (const line of text.split('\n')) expect([...line].length, line).to.be.at.most(width);
}

const commandsOf = (t: Truth) => t.sessions[0]!.dialog.map((d) => d.command).filter((c): c is string => c !== null);
const commas = (addr: string) => addr.replace(/\./g, ',');

/** A recorded two-point pair: NAME-client (A) and NAME-server (B), their truths, the ladder. */
function recorded(name: string) {
  const A = join(captures, `${name}-client.pcap`);
  const B = join(captures, `${name}-server.pcap`);
  return { A, B, ta: truth(`${name}-client`), tb: truth(`${name}-server`), got: () => ladder([A, B]) };
}

describe('compare --ladder: recorded IPS reset (STOR dropped, RST forged, PORT rewritten)', () => {
  const { A, B, ta, tb, got } = recorded('middlebox-ips-reset');
  let text: string;
  let m: TwoPointLadder;
  before(async () => ({ text, m } = await got()));

  it('draws the control connection by default, the FTP client and capture point A on the left', () => {
    expect(m.left).to.deep.include({ label: 'FTP client', a: ta.sessions[0]!.client, b: tb.sessions[0]!.client });
    expect(m.right).to.deep.include({ label: 'FTP server', a: ta.sessions[0]!.server, b: tb.sessions[0]!.server });
    expect(m.leftPoint).to.equal('a');
    expect(m.packets).to.equal(Object.values(m.counts).reduce((x, y) => x + y, 0));
  });

  it('shows the STOR the router dropped as lost between A and B', () => {
    const reached = new Set(commandsOf(tb));
    const dropped = commandsOf(ta).filter((c) => !reached.has(c));
    expect(dropped).to.have.length(1);
    const rows = rowsOf(m).filter((r) => r.lines.includes(dropped[0]!));
    expect(rows).to.have.length(1);
    const r = rows[0]!;
    expect(r).to.include({ fate: 'lost', dir: 'right', up: 'a', b: null, delay: null });
    expect(r.a).to.not.equal(null);
    const d = drawn(text, r);
    expect(d.row).to.contain('✗ lost').and.not.contain('▶');
    expect(d.under.join('\n')).to.contain(dropped[0]);
  });

  it('shows the RST the router forged in the server\'s name as injected between the points', () => {
    const injected = rowsOf(m).filter((r) => r.fate === 'injected');
    expect(injected).to.have.length(ta.middlebox.forgedResets);
    for (const r of injected) {
      expect(r.flags & TcpFlag.RST).to.not.equal(0);
      expect(r).to.include({ dir: 'left', b: null, up: 'b' });
      const d = drawn(text, r);
      expect(d.row).to.contain('✱').and.contain('injected').and.contain('◀').and.not.contain('┤');
    }
  });

  it('shows the PORT rewritten by the NAT helper as changed, with both versions', () => {
    const inside = `PORT ${commas(ta.middlebox.nat.inside)},`;
    const outside = `PORT ${commas(ta.middlebox.nat.outside)},`;
    const changed = rowsOf(m).filter((r) => r.fate === 'changed');
    expect(changed).to.have.length(1);
    const r = changed[0]!;
    expect(r.a).to.not.equal(null);
    expect(r.b).to.not.equal(null);
    const p = r.diffs.find((x) => x.field === 'payload');
    expect(p).to.deep.include({ field: 'payload' });
    if (p?.field !== 'payload') return;
    expect(p.a).to.match(new RegExp(`^${inside}`));
    expect(p.b).to.match(new RegExp(`^${outside}`));
    const d = drawn(text, r);
    expect(d.row).to.contain('≠');
    const under = d.under.join('\n');
    expect(under).to.contain(`≠ ${inside}`);
    expect(under).to.contain(`→ ${outside}`);
  });

  it('redacts the password and escapes nothing it need not', () => {
    const pass = rowsOf(m).find((r) => r.lines.some((l) => l.startsWith('PASS')));
    expect(pass?.lines).to.deep.equal(['PASS REDACTED']);
    expect(text).to.contain('PASS REDACTED').and.not.contain('ftpdiag@example.org');
  });

  it('fits 80 columns, colours only a terminal and never with NO_COLOR', async () => {
    expectFits(text);
    expect(text).to.not.contain(ESC);
    const tty = await cli(['compare', A, B, '--ladder'], { stdoutIsTTY: true, columns: 200 });
    expect(tty.out).to.contain(`${ESC}[`);
    expectFits(tty.out.replace(/\x1b\[[0-9;]*m/g, ''));
    const noColor = await cli(['compare', A, B, '--ladder'], { stdoutIsTTY: true, env: { NO_COLOR: '1' } });
    expect(noColor.out).to.not.contain(ESC);
    // a terminal narrower than 80 columns gets the 80-column ladder (the narrowest layout)
    const narrow = await cli(['compare', A, B, '--ladder'], { stdoutIsTTY: true, columns: 70 });
    expectFits(narrow.out.replace(/\x1b\[[0-9;]*m/g, ''), 80);
  });

  it('fits 80 columns however deep the directory that holds the captures', async () => {
    // the heading names both files; a path has no space to wrap at
    const root = mkdtempSync(join(tmpdir(), 'ftpdiag-deep-'));
    try {
      const dir = join(root, ...Array.from({ length: 8 }, (_, i) => `a-rather-long-directory-name-${i}`));
      mkdirSync(dir, { recursive: true });
      const [a2, b2] = [join(dir, 'client.pcap'), join(dir, 'server.pcap')];
      copyFileSync(A, a2);
      copyFileSync(B, b2);
      const deep = await cli(['compare', a2, b2, '--ladder']);
      expect(deep.code, deep.err).to.equal(0);
      expectFits(deep.out);
      expect(deep.out.replace(/\n\s*/g, '')).to.contain(a2.replace(/\s/g, ''));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('draws the active-mode data connection with the FTP client (its TCP server) on the left', async () => {
    const data = ta.transfers[0] as unknown as { dataClient: string; dataServer: string };
    const { text: t2, m: m2 } = await ladder([A, B, '--connection', '1']);
    expect(m2.connection.a).to.equal(1);
    expect(m2.left).to.deep.include({ label: 'FTP client', role: 'server', a: data.dataClient });
    expect(m2.right).to.deep.include({ label: 'FTP server', role: 'client', a: data.dataServer });
    expect(m2.counts).to.deep.include({ lost: 0, injected: 0, changed: 0 });
    const syn = rowsOf(m2)[0]!;
    expect(syn.flags & TcpFlag.SYN).to.not.equal(0);
    expect(syn.dir).to.equal('left');
    expect(t2).to.contain('(TCP server)');
    expectFits(t2);
  });
});

describe('compare --ladder: recorded NAT idle timeout (NOOP and 226 lost, RSTs injected)', () => {
  const { ta, tb, got } = recorded('middlebox-nat-idle');
  let text: string;
  let m: TwoPointLadder;
  before(async () => ({ text, m } = await got()));

  it('the client\'s last command stops between the points (seen in A only)', () => {
    const last = commandsOf(ta).at(-1)!;
    expect(ta.sessions[0]!.dialog.at(-1)!.replies).to.deep.equal([]);
    const r = rowsOf(m).find((x) => x.lines.includes(last))!;
    expect(r).to.include({ fate: 'lost', dir: 'right', b: null });
    expect(drawn(text, r).row).to.contain('✗').and.not.contain('▶');
  });

  it('the final reply the server sent stops between the points (seen in B only)', () => {
    const got = new Set(ta.transfers[0]!.replies);
    const lostCodes = tb.transfers[0]!.replies.filter((c) => !got.has(c));
    expect(lostCodes).to.have.length(1);
    const r = rowsOf(m).find((x) => x.lines.some((l) => l.startsWith(`${lostCodes[0]} `)))!;
    expect(r).to.include({ fate: 'lost', dir: 'left', a: null, up: 'b' });
    const d = drawn(text, r);
    expect(d.row).to.contain('✗').and.not.contain('◀');
    expect(d.row.indexOf('✗')).to.be.lessThan(d.row.lastIndexOf('┤'));
  });

  it('each forged RST starts between the points, toward the host it was forged for', () => {
    const injected = rowsOf(m).filter((r) => r.fate === 'injected');
    expect(injected.every((r) => (r.flags & TcpFlag.RST) !== 0)).to.equal(true);
    expect(injected.filter((r) => r.a !== null && r.dir === 'left')).to.have.length(ta.middlebox.forgedResets);
    expect(injected.filter((r) => r.b !== null && r.dir === 'right')).to.have.length(tb.middlebox.forgedResets);
    expectFits(text);
    expect(text).to.not.contain(ESC);
  });
});

// ---- crafted ------------------------------------------------------------------------------

const OFFSET = 5.25; // B's clock ahead of A's (s)
const DELAY = 0.0015; // usual one-way delay between the points (s)
const QUEUED = 0.0405; // one segment held longer
const CROSS = 0.05; //   delay of two segments that cross
const LAG = 0.01; //     the second of them leaves this much later

describe('compare --ladder: crafted NAT pair (ordering, delay column)', () => {
  let f: { a: string; b: string; dir: string };
  let text: string;
  let m: TwoPointLadder;
  const frames: Record<string, [number, number]> = {};
  before(async () => {
    const tp = new TwoPoint({ offset: OFFSET, delay: DELAY }, { clientA: '192.0.2.1:40000', clientB: '198.51.100.254:40000', server: '198.51.100.2:21' });
    tp.send('client', 'S');
    tp.send('server', 'SA');
    tp.send('client', 'A');
    tp.send('server', 'PA', '220 ready\r\n');
    tp.send('client', 'PA', 'USER anonymous\r\n');
    tp.send('server', 'PA', '331 password\r\n');
    frames['PASS'] = tp.send('client', 'PA', 'PASS secret\r\n', { delay: QUEUED });
    tp.send('server', 'PA', '230 logged in\r\n', { gap: QUEUED + 0.01 }); // (after the PASS arrived)
    // the server times the session out just as the client sends NOOP: the two cross in between
    const [bye, noop] = tp.cross({ side: 'server', flags: 'PA', payload: '421 Timeout.\r\n' }, { flags: 'PA', payload: 'NOOP\r\n' }, LAG, CROSS);
    frames['421'] = bye;
    frames['NOOP'] = noop;
    frames['lost'] = [tp.only('a', 'client', 'PA', 'QUIT\r\n'), 0];
    frames['rst'] = [0, tp.only('b', 'client', 'R')];
    // a data connection the server opens (active mode) whose SYN the firewall drops: only in B
    const d = tp.b.tcp({ client: '198.51.100.2:20', server: '198.51.100.254:40001', clientIsn: 0x99, serverIsn: 0x77 });
    d.client('S');
    f = writePair(tp);
    ({ text, m } = await ladder([f.a, f.b, '--connection', '0']));
  });
  after(() => rmSync(f.dir, { recursive: true, force: true }));

  const row = (aFrame: number) => rowsOf(m).find((r) => r.a?.frame === aFrame)!;

  it('puts the NAT\'d client on the left with both of its addresses', () => {
    expect(m.left).to.deep.include({ label: 'FTP client', a: '192.0.2.1:40000', b: '198.51.100.254:40000' });
    expect(m.right).to.deep.include({ label: 'FTP server', a: '198.51.100.2:21', b: '198.51.100.2:21' });
    expect(m.nat).to.have.length(1);
    expect(m.clock.offset).to.be.closeTo(OFFSET, 1e-4);
  });

  it('orders rows by when each segment passed its first capture point, not by A\'s frame order', () => {
    const rows = rowsOf(m);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.time).to.be.at.least(rows[i - 1]!.time);
    const [bye, noop] = [row(frames['421']![0]), row(frames['NOOP']![0])];
    // A saw NOOP first (its own side's), but the 421 left the server earlier
    expect(frames['NOOP']![0]).to.be.lessThan(frames['421']![0]);
    expect(rows.indexOf(bye)).to.be.lessThan(rows.indexOf(noop));
    expect(noop.time - bye.time).to.be.closeTo(LAG, 2e-6);
    expect(bye).to.include({ dir: 'left', up: 'b', fate: 'passed' });
    // the 421 passed B first: its time is B's, moved onto A's clock
    expect(bye.b!.time).to.equal(bye.time);
    expect(bye.a!.time - bye.time).to.be.closeTo(CROSS, 2e-6);
    // text: the 421's row comes first too
    expect(text.indexOf(drawn(text, bye).row)).to.be.lessThan(text.indexOf(drawn(text, noop).row));
  });

  it('gives each segment seen at both points its one-way delay, offset corrected', () => {
    const pass = row(frames['PASS']![0]);
    expect(pass.delay).to.be.closeTo(QUEUED, 2e-6);
    expect(row(frames['421']![0]).delay).to.be.closeTo(CROSS, 2e-6);
    expect(row(frames['NOOP']![0]).delay).to.be.closeTo(CROSS, 2e-6);
    const usual = rowsOf(m).filter((r) => r.fate === 'passed' && ![frames['PASS']![0], frames['421']![0], frames['NOOP']![0]].includes(r.a!.frame));
    expect(usual.length).to.be.at.least(6);
    for (const r of usual) expect(r.delay).to.be.closeTo(DELAY, 2e-6);
    // the delay column (ms) ends the row; none for a segment seen at one point
    const ms = (r: TwoPointRow) => Number(drawn(text, r).row.trim().split(/\s+/).at(-1));
    expect(ms(pass)).to.be.closeTo(QUEUED * 1000, 0.01);
    expect(ms(usual[0]!)).to.be.closeTo(DELAY * 1000, 0.002);
    const lost = row(frames['lost']![0]);
    expect(lost).to.include({ fate: 'lost', delay: null });
    expect(drawn(text, lost).row.trimEnd()).to.match(/[│ ]$/);
  });

  it('marks the QUIT lost and the RST injected, and redacts PASS', () => {
    expect(row(frames['lost']![0]).lines).to.deep.equal(['QUIT']);
    const rst = rowsOf(m).find((r) => r.b?.frame === frames['rst']![1])!;
    expect(rst).to.include({ fate: 'injected', dir: 'right', a: null });
    expect(drawn(text, rst).row).to.contain('injected ✱');
    expect(row(frames['PASS']![0]).lines).to.deep.equal(['PASS REDACTED']);
    expect(rowsOf(m).some((r) => r.lines.some((l) => l.includes('secret')))).to.equal(false);
    expect(text).to.not.contain('secret');
    expectFits(text);
  });

  it('--show-passwords shows PASS; B#ID draws a connection only B saw; bad ids are errors', async () => {
    const shown = await ladder([f.a, f.b, '--connection', '0', '--show-passwords']);
    expect(rowsOf(shown.m).some((r) => r.lines.includes('PASS secret'))).to.equal(true);
    const lone = await ladder([f.a, f.b, '--connection', 'B#1']);
    expect(lone.m.connection).to.deep.equal({ a: null, b: 1 });
    // the server host (TCP client of an active data connection) is on B's side: drawn on the right
    expect(lone.m.right).to.deep.include({ label: 'FTP server', role: 'client' });
    expect(rowsOf(lone.m).map((r) => [r.fate, r.dir])).to.deep.equal([['lost', 'left']]);
    const missing = await cli(['compare', f.a, f.b, '--ladder', '--connection', '7']);
    expect(missing.code).to.equal(2);
    expect(missing.err).to.contain('no connection 7 in A');
    const noLadder = await cli(['compare', f.a, f.b, '--connection', '0']);
    expect(noLadder.code).to.equal(2);
    const bad = await cli(['compare', f.a, f.b, '--ladder', '--connection', 'x1']);
    expect(bad.code).to.equal(2);
  });
});

describe('compare --ladder: folding bulk data', () => {
  it('folds runs of data like the single ladder, keeping a lost segment with its context', async () => {
    const tp = new TwoPoint({ offset: -1, delay: 0.002 }, { clientA: '192.0.2.1:40001', clientB: '198.51.100.254:40001', server: '198.51.100.2:50000' });
    tp.send('client', 'S');
    tp.send('server', 'SA');
    tp.send('client', 'A');
    let lostFrame = 0;
    for (let i = 0; i < 150; i++) {
      if (i === 75) {
        const seq = tp.lb.nextSeq('server');
        lostFrame = tp.only('b', 'server', 'A', 1000, { ipId: 0x1fff }); // dropped between B and A
        tp.la.lose('server', 1000);
        // its retransmission (IP IDs as a NAT keeps them: the two copies alike, the original another)
        tp.send('server', 'A', 1000, { a: { seq, noAdvance: true, ipId: 0x2000 }, b: { seq, noAdvance: true, ipId: 0x2000 }, gap: 0.2 });
        continue;
      }
      tp.send('server', 'A', 1000);
      if (i % 2 === 1) tp.send('client', 'A');
    }
    const f = writePair(tp);
    try {
      const { text, m } = await ladder([f.a, f.b, '--max', '40']);
      const rows = rowsOf(m);
      const gaps = m.items.filter((x) => x.kind === 'gap');
      expect(gaps.length).to.be.at.least(1);
      expect(rows.length).to.be.lessThan(m.packets);
      expect(m.counts.lost).to.equal(1);
      const lost = rows.find((r) => r.fate === 'lost')!;
      expect(lost.b!.frame).to.equal(lostFrame);
      // its neighbours (context) are drawn too
      const i = m.items.indexOf(lost);
      expect(m.items[i - 1]!.kind).to.equal('packet');
      expect(m.items[i + 1]!.kind).to.equal('packet');
      // not an FTP connection: TCP roles label the hosts
      expect(m.left.label).to.equal('client');
      expect(text).to.contain('packets of data');
      expectFits(text);
    } finally {
      rmSync(f.dir, { recursive: true, force: true });
    }
  });
});
