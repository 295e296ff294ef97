// Class 3 of issue 23: a capture that repeats itself (frames recorded twice, a file written
// twice, time going backwards) is analysed once, with one capture finding that says so.

import { expect } from 'chai';
import type { Frame } from '../../src/capture/frame.ts';
import { LinkType } from '../../src/capture/frame.ts';
import { frameBytesKey, RepeatFilter } from '../../src/capture/repeats.ts';
import { toCaptureFrames } from '../../src/craft/capture-files.ts';
import { tunnel } from '../../src/craft/encapsulation.ts';
import { STACK_PROFILES } from '../../src/craft/stack-profiles.ts';
import { TraceBuilder, type CraftedFrame } from '../../src/craft/trace-builder.ts';
import { seenTwice } from '../../src/craft/two-points.ts';
import { analyzeFrames, analyzeTrace, byId, login, passiveRetr, quit, renumber } from './support.ts';

function session(): TraceBuilder {
  const t = new TraceBuilder();
  const c = login(t);
  passiveRetr(t, c, { bytes: 20_000 });
  quit(c);
  return t;
}

/** What must not change when copies are left out: the analysis itself. */
function shape(r: ReturnType<typeof analyzeFrames>) {
  return {
    connections: r.connections.length,
    sessions: r.sessions.map((s) => [s.user, s.loggedIn, s.commands.length]),
    transfers: r.transfers.map((t) => [t.command, t.bytes, t.outcome, t.commandFrame]),
    findings: r.findings.filter((f) => f.id !== 'capture-repeats').map((f) => `${f.severity}:${f.id}:${f.frames.join(',')}`),
  };
}

const later = (f: Frame, seconds: number): Frame => {
  const ns = f.tsNsec + Math.round(seconds * 1e9);
  return { ...f, tsSec: f.tsSec + Math.floor(ns / 1e9), tsNsec: ns % 1e9, time: f.time + seconds };
};

describe('field captures: a capture that repeats itself', () => {
  it('a capture written twice (time jumps back to its start) is analysed once, with the copies named', () => {
    const frames = session().captureFrames();
    const clean = analyzeFrames(frames);
    const twice = analyzeFrames(renumber([...frames, ...frames]));
    expect(shape(twice)).to.deep.equal(shape(clean));
    const [f] = byId(twice, 'capture-repeats');
    expect(f!.severity).to.equal('warning');
    expect(f!.frames[0]).to.equal(frames.length + 1);
    expect(f!.summary).to.include(`${frames.length} frames are byte-identical copies`);
    expect(f!.summary).to.include(`a copy of frame 1)`);
    expect(f!.summary).to.include('time goes back 1 time');
    expect(twice.capture.repeats!.duplicates).to.equal(frames.length);
  });

  it('every packet recorded twice a few microseconds apart (a mirror port copying both directions)', () => {
    const frames = session().captureFrames();
    const clean = analyzeFrames(frames);
    const doubled = renumber(frames.flatMap((f) => [f, later(f, 5e-6)]));
    const r = analyzeFrames(doubled);
    // frame numbers are the doubled file's: compare the analysis, not the numbers
    expect(r.connections.length).to.equal(clean.connections.length);
    expect(r.transfers.map((t) => [t.bytes, t.outcome])).to.deep.equal(clean.transfers.map((t) => [t.bytes, t.outcome]));
    expect(r.findings.filter((f) => f.id !== 'capture-repeats').map((f) => f.id)).to.deep.equal(clean.findings.map((f) => f.id));
    const [f] = byId(r, 'capture-repeats');
    expect(f!.severity).to.equal('warning');
    expect(f!.summary).to.include('each packet was recorded twice');
    expect(f!.frames.slice(0, 3)).to.deep.equal([2, 4, 6]);
    expect(byId(r, 'retransmission')).to.have.length(0);
  });

  it('identical RSTs a host sends for two incoming segments are traffic, not copies', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '[2001:db8::1]:40000', server: '[2001:db8::2]:21' });
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('FA');
    c.server('PA', '221 bye\r\n');
    c.client('R', undefined, { seq: c.nextSeq('client') });
    c.server('FA', undefined, { dt: 0 });
    c.client('R', undefined, { seq: c.nextSeq('client') });
    const r = analyzeTrace(t);
    expect(r.capture.repeats!.duplicates).to.equal(0);
    expect(byId(r, 'capture-repeats')).to.have.length(0);
  });

  it('an ACK sent again after a zero window by a stack with one IP ID is traffic, not a copy', () => {
    // embedded stacks write the same IP ID into every packet: the window update that reopens a
    // zero window is then byte-identical to the ACK before it, a fraction of a millisecond later
    const t = new TraceBuilder({ step: 0.0002 }); // frames 0.2 ms apart
    const c = t.tcp({ client: '192.0.2.1:40000', server: '198.51.100.2:5000' });
    c.handshake();
    c.client('PA', 'x'.repeat(500));
    c.server('A', undefined, { ipId: 7 });
    c.server('A', undefined, { ipId: 7, window: 0 });
    c.server('A', undefined, { ipId: 7 }); // byte for byte frame 5, 0.4 ms later
    c.client('PA', 'y'.repeat(500));
    c.server('A', undefined, { ipId: 7 });
    c.close();
    const r = analyzeTrace(t);
    expect(r.capture.repeats!.duplicates).to.equal(0);
    expect(byId(r, 'capture-repeats')).to.have.length(0);
    // the same ACK with nothing in between stays a copy
    const frames = t.captureFrames();
    const ack = frames[4]!;
    const copied = analyzeFrames(renumber([...frames.slice(0, 5), later(ack, 2e-6), ...frames.slice(5)]));
    expect(copied.capture.repeats!.duplicates).to.equal(1);
  });

  it('time going back without copies: a warning beyond timestamp jitter, info within it', () => {
    const frames = session().captureFrames();
    const swapped = renumber([...frames.slice(0, 10), later(frames[10]!, -2), ...frames.slice(11)]);
    const big = byId(analyzeFrames(swapped), 'capture-repeats');
    expect(big.map((f) => f.severity)).to.deep.equal(['warning']);
    expect(big[0]!.summary).to.include('no frame repeats an earlier one');
    expect(big[0]!.frames).to.deep.equal([11]);
    const jitter = renumber([...frames.slice(0, 10), later(frames[10]!, -0.0015), ...frames.slice(11)]);
    const small = byId(analyzeFrames(jitter), 'capture-repeats');
    expect(small.map((f) => f.severity)).to.deep.equal(['info']);
  });

  it('a capture whose clock only steps back is not titled "repeats itself", and sub-millisecond steps read in µs', () => {
    const frames = session().captureFrames();
    // the next frame is 1 ms later: stamped 1.04 ms late, it is 40 µs before the one after it
    const tiny = byId(analyzeFrames(renumber([...frames.slice(0, 10), later(frames[10]!, 0.00104), ...frames.slice(11)])), 'capture-repeats');
    expect(tiny.map((f) => [f.severity, f.title])).to.deep.equal([['info', 'Time steps back in the capture']]);
    expect(tiny[0]!.summary).to.include('by at most 40 µs');
    expect(tiny[0]!.summary).to.not.include('0.000 s');
    expect(tiny[0]!.explanation).to.not.match(/written twice|copies/);
    const big = byId(analyzeFrames(renumber([...frames.slice(0, 10), later(frames[10]!, -2), ...frames.slice(11)])), 'capture-repeats');
    expect(big.map((f) => [f.severity, f.title])).to.deep.equal([['warning', 'Time goes back in the capture']]);
    const twice = byId(analyzeFrames(renumber([...frames, ...frames])), 'capture-repeats');
    expect(twice.map((f) => f.title)).to.deep.equal(['The capture repeats itself']);
  });

  it('says when a repeat lies beyond the frames it compares (the bound)', () => {
    const frames = session().captureFrames();
    const r = analyzeFrames(renumber([...frames, ...frames]), { repeats: { windowFrames: 10 } });
    const [f] = byId(r, 'capture-repeats');
    expect(r.capture.repeats!.beyondWindow).to.equal(1);
    expect(r.capture.repeats!.duplicates).to.equal(0);
    expect(f!.severity).to.equal('warning');
    expect(f!.summary).to.include('one of the last 10 frames ftpdiag compares (copies of older frames cannot be recognised)');
  });

  it('the key is replaceable: the whole-frame key misses copies with other MACs that the inner-packet key finds', () => {
    const frames = session().captureFrames();
    const otherMac = frames.map((f) => {
      const data = Buffer.from(f.data);
      data[5] = 0x77; // destination MAC's last byte: a second capture point
      return later({ ...f, data }, 2e-6);
    });
    const mixed = renumber(frames.flatMap((f, i) => [f, otherMac[i]!]));
    expect(analyzeFrames(mixed, { repeats: { key: frameBytesKey, view: undefined } }).capture.repeats!.duplicates).to.equal(0);
    const r = analyzeFrames(mixed);
    expect(r.capture.repeats!.duplicates).to.equal(frames.length);
    expect(r.capture.repeats!.kinds['two-mirrors']).to.equal(frames.length);
    expect(r.connections.length).to.equal(2);
  });
});

describe('field captures: one packet seen at two points of its path (trial A5)', () => {
  /** A session whose server packets the capture also sees two routers further on. */
  function twoHops(delays: number[]) {
    const t = session();
    const server = (f: CraftedFrame) => f.data.readUInt16BE(12) === 0x0800 && f.data.readUInt32BE(26) === 0xc6336414; // from 198.51.100.20
    const copies = t.frames().filter(server).length;
    // each copy its own delay (0.1–0.7 ms, as on a real path), the last router's MAC
    const out = seenTwice(t.frames(), { delay: (n) => delays[n % delays.length]!, hops: 2, secondMac: '02:00:00:00:00:99', only: server });
    return { clean: t.captureFrames(), twice: renumber(toCaptureFrames(out, LinkType.ETHERNET)), copies };
  }

  it('TTL lower by the hops between, same IP ID and bytes, sub-millisecond: copies (info), not retransmissions', () => {
    const { clean, twice, copies } = twoHops([0.0001, 0.0004, 0.0007, 0.0002]);
    const before = analyzeFrames(clean);
    const r = analyzeFrames(twice);
    expect(r.capture.repeats!.duplicates).to.equal(copies);
    expect(r.capture.repeats!.kinds['two-points']).to.equal(copies);
    expect(r.transfers.map((x) => [x.command, x.bytes, x.outcome])).to.deep.equal(before.transfers.map((x) => [x.command, x.bytes, x.outcome]));
    expect(r.findings.filter((f) => f.id !== 'capture-repeats').map((f) => f.id)).to.deep.equal(before.findings.map((f) => f.id));
    expect(byId(r, 'retransmission')).to.have.length(0);
    const [f] = byId(r, 'capture-repeats');
    expect(f!.severity).to.equal('info');
    expect(f!.summary).to.include('seen a second time at another point of the path (TTL 64 then 62: 2 routers between the points)');
    expect(f!.summary).to.include('not a retransmission');
  });

  it('an ACK seen again at the second point after the peer sent something is still a copy (its TTL tells)', () => {
    // the copy of a server ACK comes after the client's next segment: answerLike alone would keep it
    const { twice, copies } = twoHops([0.002]);
    const r = analyzeFrames(twice);
    expect(r.capture.repeats!.duplicates).to.equal(copies);
    expect(byId(r, 'capture-repeats')[0]!.severity).to.equal('info');
  });

  for (const [name, a, b] of [
    ['VXLAN', tunnel.vxlan({ vni: 100, outer: { src: '10.0.0.1', dst: '10.0.9.9' } }), tunnel.vxlan({ vni: 200, outer: { src: '10.0.0.2', dst: '10.0.9.9' } })],
    ['GRE', tunnel.gre({ payload: 'ethernet', key: 1 }), tunnel.gre({ payload: 'ethernet', key: 2 })],
    ['ERSPAN II', tunnel.erspan({ type: 2, session: 1 }), tunnel.erspan({ type: 2, session: 2 })],
  ] as const) {
    it(`the same inner packet through two ${name} mirror sessions: copies (info), the connection analysed once`, () => {
      const t = session();
      const clean = analyzeFrames(t.captureFrames());
      const twice = renumber(toCaptureFrames(seenTwice(t.frames(), { delay: 0.0003, first: a, second: b }), LinkType.ETHERNET));
      const r = analyzeFrames(twice);
      expect(r.capture.repeats!.kinds['two-mirrors']).to.equal(t.frames().length);
      expect(r.transfers.map((x) => [x.command, x.bytes, x.outcome])).to.deep.equal(clean.transfers.map((x) => [x.command, x.bytes, x.outcome]));
      expect(r.findings.filter((f) => f.severity !== 'info').map((f) => f.id)).to.deep.equal([]);
      const [f] = byId(r, 'capture-repeats');
      expect(f!.severity).to.equal('info');
      expect(f!.summary).to.include('through another mirror session or interface');
    });
  }

  it('a retransmission by a stack with one IP ID, along the same path a timeout later, stays a retransmission', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.10:40000', server: '198.51.100.20:21', clientStack: STACK_PROFILES.embedded, serverStack: STACK_PROFILES.embedded });
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('PA', 'USER a\r\n');
    c.client('PA', 'USER a\r\n', { seq: 1, dt: 0.2, noAdvance: true }); // identical bytes, same TTL, same path
    c.server('PA', '331 pw\r\n');
    const r = analyzeTrace(t);
    expect(r.capture.repeats!.duplicates).to.equal(0);
    expect(byId(r, 'retransmission')).to.have.length(1);
  });
});

describe('capture/repeats: the comparison window', () => {
  it('finds exactly the copies a plain scan of the last N frames finds, through evictions and colliding homes', () => {
    // keys from a small set (repeats), frames stamped so that only time going back makes copies
    let seed = 12345;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (const window of [1, 7, 50]) {
      const f = new RepeatFilter({ windowFrames: window, key: (fr) => Number(fr.data.readUInt32BE(0)) * 0x40000000 + (fr.data.readUInt32BE(0) % 3) });
      const recent: Array<{ key: number; time: number }> = [];
      let maxTime = -Infinity;
      let inRun = false;
      for (let n = 1; n <= 5000; n++) {
        const k = Math.floor(rnd() * 40);
        const time = rnd() < 0.1 ? maxTime - 5 : n;
        const data = Buffer.alloc(8);
        data.writeUInt32BE(k, 0);
        const frame = { number: n, offset: 0, tsSec: Math.floor(time), tsNsec: 0, time, linkType: 1, interfaceId: 0, capLen: 8, origLen: 8, data };
        const key = Number(k) * 0x40000000 + (k % 3);
        const hit = [...recent].reverse().find((x) => x.key === key);
        const back: boolean = inRun || time < maxTime - 0.001;
        const want: boolean = hit !== undefined && (back || Math.abs(time - hit.time) <= 0.001);
        expect(f.check(frame), `window ${window}, frame ${n}`).to.equal(want);
        inRun = want && back;
        if (!want) {
          if (time > maxTime) maxTime = time;
          recent.push({ key, time });
          if (recent.length > window) recent.shift();
        }
      }
    }
  });
});
