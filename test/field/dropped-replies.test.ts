// A reply the capture dropped (the client acknowledged the server's bytes, the capture lacks
// them) is the capture's fault: information that says so, never "the server hung" (trial 1, A4).

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { analyzeTrace, byId, login, quit, streamedFindings } from './support.ts';

const loud = (r: ReturnType<typeof analyzeTrace>) => r.findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity}:${f.id}`);

describe('field captures: replies the capture dropped', () => {
  it('TYPE I whose 200 the capture lost (the client ACKs it with its PASV): info, with the bytes and the ACK', () => {
    const t = new TraceBuilder();
    const c = login(t);
    const type = c.client('PA', 'TYPE I\r\n');
    c.lose('server', '200 Type set to I\r\n');
    c.client('PA', 'PASV\r\n'); // acknowledges the lost 200
    const hole = c.server('PA', '227 Entering Passive Mode (198,51,100,20,195,80)\r\n');
    c.client('A');
    quit(c);
    const r = analyzeTrace(t);
    const [f] = byId(r, 'unanswered-command');
    expect([f!.severity, f!.title]).to.deep.equal(['info', 'Reply missing from the capture']);
    expect(f!.summary).to.equal(`TYPE I (frame ${type}): the reply is missing from the capture: 19 bytes the server sent after it, missing at frame ${hole}, were acknowledged by the client; the session went on`);
    expect(f!.frames).to.deep.equal([type, hole]);
    expect(f!.summary + f!.explanation).to.not.include('hung');
    expect(loud(r)).to.deep.equal([]);
    expect(r.sessions[0]!.commands.find((x) => x.verb === 'TYPE')!.replyMissing).to.deep.equal({ bytes: 19, frame: hole });
    expect(streamedFindings(t).filter((x) => x.id === 'unanswered-command').map((x) => x.severity)).to.deep.equal(['info']);
  });

  it('CWD whose 250 was dropped, then the session goes on to its end: the same, for the 28 bytes', () => {
    const t = new TraceBuilder();
    const c = login(t);
    const cwd = c.client('PA', 'CWD 2014\r\n');
    c.lose('server', '250 CWD command successful\r\n');
    c.client('A', undefined, { dt: 0.2 }); // acknowledges the lost 250
    c.client('PA', 'NOOP\r\n');
    const hole = c.server('PA', '200 NOOP ok\r\n');
    quit(c);
    const r = analyzeTrace(t);
    const [f] = byId(r, 'unanswered-command');
    expect(f!.severity).to.equal('info');
    expect(f!.summary).to.include(`CWD 2014 (frame ${cwd}): the reply is missing from the capture: 28 bytes`);
    expect(f!.frames).to.deep.equal([cwd, hole]);
    expect(loud(r)).to.deep.equal([]);
  });

  it('a reply lost where the client acknowledged nothing: still unanswered, not blamed on the capture', () => {
    const t = new TraceBuilder();
    const c = login(t);
    c.client('PA', 'TYPE I\r\n');
    c.lose('server', '200 Type set to I\r\n');
    // the client's next line acknowledges only what it had seen: the 200 never reached it
    c.client('PA', 'PASV\r\n', { ack: c.nextSeq('server') - 19 });
    const r = analyzeTrace(t);
    const [f] = byId(r, 'unanswered-command');
    expect(f!.title).to.equal('Command never answered');
    expect(r.sessions[0]!.commands.find((x) => x.verb === 'TYPE')!.replyMissing).to.equal(null);
  });
});
