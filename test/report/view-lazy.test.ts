// The views of a released unit make their texts (labels, endpoints, command lines) when an output
// first reads them: the text report reads none of them, and a session of 10^5 transfers made them
// all at once when it was released (~1 KB per transfer of peak heap). What an output reads is the
// same text as before.

import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { connectionEnds } from '../../src/format/endpoint.ts';
import { connectionLabel, transferLabel, transferWhat } from '../../src/format/labels.ts';
import { analyzeFile } from '../../src/pipeline/analyze.ts';
import { TextReport } from '../../src/report/text.ts';
import { resultView } from '../../src/view/result.ts';
import { commandView } from '../../src/view/unit.ts';

const capture = fileURLToPath(new URL('../../captures/vsftpd-passive-clean.pcap', import.meta.url));

describe('view: texts made when first read', () => {
  it('the text report reads no connection or transfer label; read later, they are the same texts', async () => {
    const { result } = await analyzeFile(capture, { rules: loadRules([]) });
    const v = resultView(result).unit;
    expect(v.transfers.length).to.be.above(0);
    const report = new TextReport({ color: false }, false);
    try {
      report.add(v, 'arrival');
      [...report.render(result, null, null)];
    } finally {
      report.close();
    }
    const made = (x: object, field: string) => (x as unknown as Record<string, unknown>)[field] !== null;
    expect(v.connections.filter((c) => made(c, 'labelText') || made(c, 'endsText'))).to.deep.equal([]);
    expect(v.transfers.filter((t) => made(t, 'labelText') || made(t, 'whatText'))).to.deep.equal([]);
    const transferOfData = new Map(result.transfers.map((t) => [t.dataConnection, t] as const));
    for (const c of v.connections) {
      const t = transferOfData.get(c.c.id) ?? null;
      const session = result.sessions.find((s) => s.control === c.c.id)?.id ?? null;
      expect(c.label).to.equal(connectionLabel(c.c, c.role, { session, transfer: t ? transferLabel(t) : null }));
      expect(c.ends).to.equal(connectionEnds(c.c));
    }
    for (const t of v.transfers) expect([t.label, t.what]).to.deep.equal([transferLabel(t.t), transferWhat(t.t)]);
    const s = v.sessions[0]!;
    expect(s.commands.map((c) => c.line)).to.deep.equal(s.s.commands.map((c) => commandView(c, { showPasswords: false }).line));
    expect(s.commands).to.equal(s.commands); // made once
  });
});
