// What a transfer released before its session ended leaves behind (src/diagnose/released.ts):
// its summary and its late-rule record as typed columns. Each must read back as what was kept.

import { expect } from 'chai';
import { LateColumns, SummaryColumns } from '../../src/diagnose/released.ts';
import type { LateRecord } from '../../src/diagnose/evaluate.ts';
import type { KeptFacts } from '../../src/diagnose/late-rules.ts';
import { newTransfer } from '../../src/ftp/records.ts';
import type { Transfer } from '../../src/ftp/types.ts';

/** What the session's facts read of a transfer (TransferSummary), from the Transfer itself. */
const summary = (t: Transfer) => ({
  id: t.id,
  command: t.command,
  direction: t.direction,
  commandFrame: t.commandFrame,
  outcome: t.outcome,
  bytesStatus: t.bytesStatus,
  bytes: t.bytes,
  finalReply: t.finalReply && { frame: t.finalReply.frame, valid: t.finalReply.valid, code: t.finalReply.code },
});

describe('diagnose/released', () => {
  it('reads each released transfer\'s summary back by id, in any order of release', () => {
    const kinds = [
      ['RETR', 'download', 'complete', 'counted'],
      ['STOR', 'upload', 'aborted', 'not-captured'],
      ['LIST', 'listing', 'failed', 'not-opened'],
      ['unknown', 'unknown', 'truncated', 'encrypted'],
      ['MLSD', 'listing', 'unknown', 'counted'],
    ] as const;
    const transfers: Transfer[] = [];
    for (let i = 0; i < 3000; i++) {
      const [command, direction, outcome, bytesStatus] = kinds[i % kinds.length]!;
      const t = newTransfer({ id: 7 + 3 * i, session: 0, command, commandFrame: 1e10 + i, commandTime: i });
      Object.assign(t, { direction, outcome, bytesStatus, bytes: i * 2 ** 33 + 0.5 });
      if (i % 4 !== 0) t.finalReply = { code: i % 7 === 0 ? 0 : 226, text: 'x', lines: 1, valid: i % 7 !== 0, firstFrame: 3 * i, frame: 3 * i + 1, time: i, overlong: false, incomplete: false };
      transfers.push(t);
    }
    const cols = new SummaryColumns();
    // released out of id order, as parts that waited for their session go out later
    const order = transfers.map((_, i) => i).sort((a, b) => (a % 3) - (b % 3) || a - b);
    order.slice(0, 1000).forEach((i) => cols.add(transfers[i]!));
    for (const i of order.slice(0, 1000)) expect(cols.get(transfers[i]!.id)).to.deep.equal(summary(transfers[i]!));
    order.slice(1000).forEach((i) => cols.add(transfers[i]!));
    for (const t of transfers) expect(cols.get(t.id)).to.deep.equal(summary(t));
    expect(cols.get(8)).to.equal(undefined);
    expect(cols.get(1e9)).to.equal(undefined);
    expect(cols.size).to.equal(transfers.length);
  });

  it('gives back the late records in order, every kind of value as kept', () => {
    const shapeA = { rules: [], fields: [['t', 'label'], ['t', 'final'], ['d', 'closeKind'], ['d', 'endTime'], ['cmd', '']] } as unknown as KeptFacts['shape'];
    const shapeB = { rules: [], fields: [['t', 'ok'], ['t', 'missing']] } as unknown as KeptFacts['shape'];
    const records: LateRecord[] = [];
    for (let i = 0; i < 500; i++) {
      const label = `RETR f${i} (` + 'transfer '.concat(String(i), ' ✓)');
      records.push(
        i % 2 === 0
          ? { transfer: i, connection: 2 * i + 1, kept: { shape: shapeA, values: [label, i, i % 3 === 0 ? null : 'fin', -0.5 - i, { verb: 'RETR', nested: [1n, 2n] }], bigints: 2, nulls: i % 5 === 0 ? 4 : 0 } }
          : { transfer: i, connection: 0, kept: { shape: shapeB, values: [i % 4 === 1, undefined], bigints: 0, nulls: 1 } },
      );
    }
    const cols = new LateColumns();
    for (const r of records) cols.add(r);
    const back = [...cols];
    expect(back).to.have.length(records.length);
    back.forEach((r, i) => {
      expect(r).to.deep.equal(records[i]);
      expect(r.kept.shape).to.equal(records[i]!.kept.shape);
    });
    expect(cols.size).to.equal(records.length);
  });
});
