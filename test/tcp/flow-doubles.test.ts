// A flow's capture times and 32-bit sequence numbers live unboxed in one array of doubles per
// flow (src/tcp/doubles.ts), not in fields of their own: V8 keeps a field that holds a double as a
// pointer to a heap number (~24 B each, 42 per flow). Checked on a flow the engine made: no
// record keeps such a number as an own field, the flow's array stores doubles, and every slot
// belongs to one number only (a layout that made two share a slot would mix them up).

import { expect } from 'chai';
import { setFlagsFromString } from 'node:v8';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { Flow } from '../../src/tcp/flow.ts';
import { run } from './helpers.ts';

setFlagsFromString('--allow-natives-syntax');
const hasDoubleElements = new Function('a', 'return %HasDoubleElements(a)') as (a: unknown) => boolean;

/** Each record of a flow with the numbers it keeps in the flow's doubles. */
function records(f: Flow): Array<[string, object, string[]]> {
  const tracker = ['base', 'lastAck', 'highAck', 'lastNewTime', 'holeOpened', 'holeReported', 'synTime', 'turnaround'];
  const ws = ['base', 'nextSeq', 'nextSeqTime', 'lastAck', 'lastAckTime', 'maxSeqToBeAcked'];
  const zeek = ['startSeq', 'lastSeq', 'histLastSyn', 'histLastFin', 'histLastRst'];
  return [
    ['flow', f, ['closeAt', 'lastTime']],
    ['flow.ws', f.ws, ['mruSynTime', 'firstRtt']],
    ['client', f.client, tracker],
    ['server', f.server, tracker],
    ['client.ws', f.client.ws, ws],
    ['server.ws', f.server.ws, ws],
    ['zeek.orig', f.zeek.orig, zeek],
    ['zeek.resp', f.zeek.resp, zeek],
  ];
}

describe('tcp/flow doubles: times and sequence numbers unboxed, one array per flow', () => {
  it('a flow keeps them in its array of doubles, each number in a slot of its own', () => {
    const t = new TraceBuilder({ start: 1_700_000_000.25, step: 0.000123 });
    const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21', clientIsn: 0xfffff000, serverIsn: 0x9abcdef0 });
    c.handshake();
    c.client('PA', 'USER x\r\n');
    c.server('PA', '331 go on\r\n');
    c.client('A');
    const r = run(t, {}, undefined, true);
    const flow = (r.engine as unknown as { table: { last: Flow } }).table.last;
    expect(flow).to.be.instanceOf(Flow);
    // what the trace put there, read through the records
    expect(flow.client.ws.nextSeq).to.equal((0xfffff000 + 1 + 8) >>> 0);
    expect(flow.server.ws.lastAck).to.equal((0xfffff000 + 1 + 8) >>> 0);
    expect(flow.lastTime).to.be.closeTo(1_700_000_000.25 + 5 * 0.000123, 1e-6);
    expect(flow.zeek.resp.histLastSyn).to.equal(0x9abcdef0);

    const d = (flow as unknown as { d: number[] }).d;
    expect(hasDoubleElements(d), 'the array stores unboxed doubles').to.equal(true);
    let slots = 0;
    let k = 0;
    for (const [name, rec, fields] of records(flow)) {
      for (const field of fields) {
        expect(Object.hasOwn(rec, field), `${name}.${field} is not a field of its own`).to.equal(false);
        (rec as Record<string, number>)[field] = 1e9 + ++k + 0.5;
        slots++;
      }
    }
    expect(slots).to.equal(d.length);
    k = 0;
    for (const [name, rec, fields] of records(flow)) {
      for (const field of fields) expect((rec as Record<string, number>)[field], `${name}.${field}`).to.equal(1e9 + ++k + 0.5);
    }
    expect(hasDoubleElements(d)).to.equal(true);
  });
});
