// `ftpdiag log` has a line for every operation analyze reports (trial 1, B13): a reply whose
// command is not in the capture (a 425 in a session begun before it) and a data connection whose
// control connection is not in the capture (a lone transfer) are operations too.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { buildOperations } from '../../src/report/log/operations.ts';
import { renderOperationLog } from '../../src/report/log/render.ts';
import { targetText } from '../../src/report/log/fields.ts';
import { analyzeTrace, byId, login, passiveRetr, quit } from './support.ts';

/** A data connection that carries `bytes` from `sender` and ends by the sender's FIN. */
function carried(t: TraceBuilder, client: string, server: string, sender: 'client' | 'server', bytes: number): void {
  const d = t.tcp({ client, server });
  const receiver = sender === 'client' ? 'server' : 'client';
  d.handshake();
  d.stream(sender, bytes);
  d[receiver]('A');
  d[sender]('FA');
  d[receiver]('FA');
  d[sender]('A');
}

const render = (ops: ReturnType<typeof buildOperations>, format: 'table' | 'xferlog' | 'csv' | 'ndjson') =>
  renderOperationLog(ops, { format, tz: 'utc', color: false });

describe('field captures: the operation log holds what analyze reports', () => {
  it('a 425 and a 530 whose commands are not in the capture: a failed transfer and a failed login, with their findings', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '203.0.113.5:50123', server: '198.51.100.7:21' }); // no SYN: begun before the capture
    c.server('PA', '200 Type set to I.\r\n', { dt: 0.01 });
    c.server('PA', '425 Cannot build data connection: Connection refused.\r\n', { dt: 0.5 });
    c.server('PA', '530 Login incorrect.\r\n', { dt: 0.5 });
    c.server('PA', '221 Bye.\r\n', { dt: 0.5 });
    c.server('FA');
    const r = analyzeTrace(t);
    expect(byId(r, 'reply-without-command')).to.have.length(1);
    const ops = buildOperations(r);
    // the 200 and the goodbye are no operation; the 425 and the 530 are
    expect(ops.map((o) => [o.operation, o.reply?.code, o.outcome, o.session, o.transfer])).to.deep.equal([
      ['transfer', 425, 'failed', 0, null],
      ['login', 530, 'failed', 0, null],
    ]);
    expect(ops[0]!.finding?.id).to.equal('reply-without-command');
    expect(ops[1]!.finding?.id).to.equal('login-failed');
    expect(targetText(ops[0]!)).to.equal('(no command)');
    expect(render(ops, 'table').text).to.match(/transfer +\(no command\) +425 /);
    // --all lists the other replies whose command is not in the capture too, not the goodbye
    expect(buildOperations(r, { all: true }).map((o) => o.reply?.code)).to.deep.equal([200, 425, 530]);
    // xferlog has no line for them (no file), and says nothing is missing
    expect(render(ops, 'xferlog')).to.deep.equal({ text: '', notes: [] });
  });

  it('a reply without command among the commands of a session is placed in its time, under the user logged in', () => {
    const t = new TraceBuilder();
    const c = login(t, { user: 'alice' });
    c.server('PA', '426 Connection closed; transfer aborted.\r\n', { dt: 0.2 }); // unprompted
    c.client('A');
    passiveRetr(t, c, { file: 'b.bin' });
    quit(c);
    const ops = buildOperations(analyzeTrace(t));
    expect(ops.map((o) => [o.operation, o.reply?.code, o.user])).to.deep.equal([
      ['login', 230, 'alice'],
      ['transfer', 426, 'alice'],
      ['RETR', 226, 'alice'],
    ]);
  });

  it('an upload from port 20 without its control connection: one line with the FTP sides, bytes, outcome and finding', () => {
    const t = new TraceBuilder();
    const d = t.tcp({ client: '198.51.100.20:20', server: '192.0.2.10:2662' }); // active mode: the FTP server connects
    d.handshake();
    d.stream('server', 300_000);
    d.client('A', undefined, { ack: d.nextSeq('server') - 20_000 });
    const rst = d.client('R', undefined, { dt: 0.1 });
    const r = analyzeTrace(t);
    expect(r.sessions).to.have.length(0);
    const ops = buildOperations(r);
    expect(ops).to.have.length(1);
    const op = ops[0]!;
    expect([op.operation, op.session, op.transfer, op.direction, op.bytes, op.outcome]).to.deep.equal(['transfer', null, 0, 'upload', 300_000, 'truncated']);
    expect([`${op.client.addr}:${op.client.port}`, `${op.server.addr}:${op.server.port}`]).to.deep.equal(['192.0.2.10:2662', '198.51.100.20:20']);
    expect(op.frames).to.deep.equal([1, rst]);
    expect(op.finding).to.deep.equal({ id: 'lone-data-connection', severity: 'error' });
    expect(render(ops, 'table').text).to.not.include('No FTP operations found');
    expect(render(ops, 'table').text).to.match(/transfer +\(data only\) +- +300000 .* truncated +lone-data-connection/);
    const csv = render(ops, 'csv').text.split('\r\n')[1]!.split(',');
    expect([csv[1], csv[3], csv[5], csv[19]]).to.deep.equal(['', '192.0.2.10', '198.51.100.20', 'truncated']);
    expect(JSON.parse(render(ops, 'ndjson').text)).to.not.have.property('uid');
    // xferlog cannot name the file or the user: left out, and said
    expect(render(ops, 'xferlog')).to.deep.equal({ text: '', notes: ['1 transfer left out of the xferlog: the control connection is not in the capture (no file name, no user)'] });
  });

  it('a passive-mode download without its control connection: the FTP server is the side that listened', () => {
    const t = new TraceBuilder();
    carried(t, '192.0.2.10:50363', '198.51.100.20:43720', 'server', 50_000);
    const r = analyzeTrace(t);
    const ops = buildOperations(r);
    expect(ops.map((o) => [o.client.port, o.server.port, o.direction, o.bytes, o.outcome])).to.deep.equal([[50363, 43720, 'download', 50_000, 'complete']]);
  });

  it('every transfer analyze reports has exactly one line', () => {
    const t = new TraceBuilder();
    const c = login(t);
    passiveRetr(t, c, { file: 'one.bin' });
    passiveRetr(t, c, { file: 'two.bin' });
    quit(c);
    carried(t, '198.51.100.20:20', '192.0.2.99:4000', 'client', 10_000); // active mode, from port 20
    const r = analyzeTrace(t);
    expect(r.transfers).to.have.length(3);
    const ops = buildOperations(r);
    for (const x of r.transfers) expect(ops.filter((o) => o.transfer === x.id), `transfer ${x.id}`).to.have.length(1);
  });
});
