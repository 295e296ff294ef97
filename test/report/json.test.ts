import { expect } from 'chai';
import { buildJsonReport, renderJson } from '../../src/report/json.ts';
import { analysisResult, command, connection, reply, session, transfer } from '../diagnose/fixtures.ts';

function result(showPasswords = false) {
  const s = session(0, 0, { password: 'hunter2', commands: [command(0, 'USER', 'bob', 5, reply(331, 6)), command(1, 'PASS', 'hunter2', 7, reply(230, 8))], transfers: [0] });
  const t = transfer(0, { dataConnection: 1, argument: 'a\x9bb', bytes: 10, replyCodes: [150, 226], outcome: 'complete', announcedBytes: 10 });
  return analysisResult({ connections: [connection(0, { app: { secret: 1 } }), connection(1)], sessions: [s], transfers: [t], showPasswords });
}

describe('report/json', () => {
  it('is one document with capture, connections, sessions, transfers, findings and reply codes', () => {
    const doc = JSON.parse(renderJson(result()));
    expect(doc).to.have.keys('ftpdiag', 'capture', 'error', 'displayFilter', 'summary', 'connections', 'sessions', 'transfers', 'findings', 'logins', 'replyCodes', 'ruleErrors');
    expect(doc.displayFilter).to.equal(null); // no display filter given
    expect(doc.capture).to.include({ format: 'pcap', frames: 100 });
    expect(doc.capture.linkTypes).to.deep.equal([1]);
    expect(doc.capture.linkTypeNames).to.deep.equal(['EN10MB']);
    expect(doc.transfers[0]).to.include({ command: 'RETR', argument: 'a\x9bb', mode: 'passive', bytes: 10, announcedBytes: 10, outcome: 'complete' });
    expect(doc.transfers[0].replyCodes).to.deep.equal([150, 226]);
    expect(doc.connections.map((c: { role: string }) => c.role)).to.deep.equal(['control', 'data']);
    expect(doc.connections[0]).to.not.have.any.keys('app', 'deliver');
    expect(doc.replyCodes.map((r: { code: number }) => r.code)).to.deep.equal([220, 230, 331]);
  });

  it('redacts PASS arguments and the session password unless asked', () => {
    const hidden = renderJson(result());
    expect(hidden).to.not.include('hunter2');
    const doc = JSON.parse(hidden);
    expect(doc.sessions[0].password).to.equal('REDACTED');
    expect(doc.sessions[0].commands[1].arg).to.equal('REDACTED');
    const shown = buildJsonReport(result(true)) as { sessions: Array<{ password: string }> };
    expect(shown.sessions[0]!.password).to.equal('hunter2');
  });

  it('writes C1 controls as \\u escapes', () => {
    expect(renderJson(result())).to.include('"a\\u009bb"').and.not.match(/[\x80-\x9f]/);
  });
});
