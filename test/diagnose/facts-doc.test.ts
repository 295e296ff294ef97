import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { renderFactsMarkdown } from '../../src/diagnose/facts-doc.ts';
import { factObjects } from '../../src/diagnose/fact-schema.ts';
import { FactBuilder } from '../../src/diagnose/facts.ts';
import { captureSummary, connection, fixtureRoles, session, transfer, command, reply } from './fixtures.ts';
import { emptyDecodeCounts } from '../../src/diagnose/facts.ts';

const factsMd = new URL('../../rules/FACTS.md', import.meta.url);

/** Checks an object's keys against the schema of `name`, recursively for nested objects. */
function conforms(name: string, fact: Record<string, unknown>, path: string): string[] {
  const spec = factObjects[name]!;
  const problems: string[] = [];
  for (const k of Object.keys(fact)) if (!Object.hasOwn(spec, k)) problems.push(`${path}.${k} not documented`);
  for (const [k, f] of Object.entries(spec)) {
    if (!(k in fact)) problems.push(`${path}.${k} missing`);
    const v = fact[k];
    if (v === null) {
      if (!f.nullable) problems.push(`${path}.${k} is null`);
      continue;
    }
    const t = f.type;
    if (t === 'int' && typeof v !== 'bigint') problems.push(`${path}.${k} should be int`);
    if (t === 'double' && typeof v !== 'number') problems.push(`${path}.${k} should be double`);
    if (t === 'string' && typeof v !== 'string') problems.push(`${path}.${k} should be string`);
    if (t === 'bool' && typeof v !== 'boolean') problems.push(`${path}.${k} should be bool`);
    if (typeof t === 'object' && 'object' in t) problems.push(...conforms(t.object, v as Record<string, unknown>, `${path}.${k}`));
    if (typeof t === 'object' && 'list' in t && typeof t.list === 'object' && 'object' in t.list) {
      for (const [i, item] of (v as Record<string, unknown>[]).entries()) problems.push(...conforms(t.list.object, item, `${path}.${k}[${i}]`));
    }
  }
  return problems;
}

describe('diagnose/facts (model and its documentation)', () => {
  it('rules/FACTS.md is generated from the schema (regenerate with src/diagnose/facts-doc.ts)', () => {
    expect(readFileSync(factsMd, 'utf8')).to.equal(renderFactsMarkdown());
  });

  it('builds facts exactly as the schema documents them', () => {
    const conn = connection(0, { reset: { by: 'client', frame: 9, time: 1009, senderState: 'ESTABLISHED', peerState: 'ESTABLISHED', unackedBySender: 0, unackedByPeer: 5, afterStrayAck: false, senderFinFrame: 0, peerFinFrame: 0, peerFinished: false } });
    const data = connection(1);
    const t = transfer(0, { dataConnection: 1, rate: 1000, announcedBytes: 10, finalReply: reply(226, 40) });
    const s = session(0, 0, {
      commands: [command(0, 'PASV', '', 18, reply(227, 19, 'Entering Passive Mode (192,168,1,5,117,48)'), {
        announcement: { mode: 'passive', command: 'PASV', addr: '192.168.1.5', port: 30000, frame: 19, controlPeerAddr: '10.0.0.2', mismatch: true, family: 4 },
      }), command(1, 'RETR', 'file.bin', 20, reply(226, 40), { preliminary: [reply(150, 21)] })],
      transfers: [0],
      unsolicited: [reply(421, 50, 'Timeout')],
    });
    const b = new FactBuilder({ connections: [conn, data], sessions: [s], transfers: [t], roles: fixtureRoles([s], [t]), showPasswords: false });
    expect(conforms('Connection', b.connectionFact(conn), 'c')).to.deep.equal([]);
    const sf = b.sessionFact(s);
    expect(conforms('Session', sf, 's')).to.deep.equal([]);
    expect((sf['passiveMismatches'] as unknown[]).length).to.equal(1);
    expect((sf['replies'] as Record<string, unknown>[]).map((r) => r['kind'])).to.deep.equal(['greeting', 'final', 'preliminary', 'final', 'unsolicited']);
    expect(conforms('Transfer', b.transferFact(t), 't')).to.deep.equal([]);
    expect(conforms('Capture', b.capture(captureSummary(), emptyDecodeCounts(), 2), 'capture')).to.deep.equal([]);
  });
});
