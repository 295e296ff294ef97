// Both sides of a NAT in one capture. A capture taken on a firewall or router that translates
// addresses can hold a connection's two directions under different addresses: the client's
// packets as they arrived from inside (client → server), the server's as they arrived from
// outside (server → the NAT's address). Seen naively, that is two half connections, neither of
// which makes sense. They are one connection, and their sequence numbers say so: the SYN-ACK of
// the outside half acknowledges exactly the ISN of the inside half's SYN.
//
// Heuristic: "the other half of a connection across a NAT"
// Plain definition: a SYN-ACK on a 4-tuple the engine does not know, one of whose endpoints is an
// endpoint of a recent SYN (within PAIR_SECONDS) that got no answer of its own, the other
// endpoint differing, and whose acknowledgment number is that SYN's ISN + 1 (a 1 in 2^32 chance
// by accident). The SYN-ACK and everything after it on its 4-tuple are taken into the SYN's
// connection, as sent by that connection's server. Which endpoint changed says which NAT it is:
// the client's (source NAT, masquerading) or the server's (destination NAT, port forwarding).
// A firewall that also randomises sequence numbers defeats this; the halves then stay apart, each
// one-directional (control-one-direction says so).
//
// Heuristic: "an FTP-aware device rewrote a line"
// Plain definition: on a connection paired across a NAT, the acknowledgments one side sends for
// the other's bytes are off by a constant d (|d| <= MAX_ALG_DELTA) from the end of a data segment,
// and stay off by the same d at the next segment: a device in between (an FTP ALG) changed the
// length of that segment (PORT/EPRT/227/229 rewritten to another address), so the two halves count
// the bytes differently from there on. The shift is recorded (the frame of the rewritten segment,
// d) and taken out of later acknowledgments, so the TCP analysis sees one consistent stream.

import type { DecodedPacket } from '../decode/packet.ts';
import { TcpFlag } from '../decode/packet.ts';
import type { Flow } from './flow.ts';
import type { AlgRewrite, Side } from './types.ts';

/** Seconds a SYN waits for the SYN-ACK of another half. */
const PAIR_SECONDS = 10;
/** SYNs remembered as candidates at once. */
const MAX_CANDIDATES = 4096;
/** Alias 4-tuples kept (one per paired connection); the oldest go first. */
const MAX_ALIASES = 65536;
/** Largest change of a line's length an ALG makes: an IPv4 address in PORT grows or shrinks by
 *  at most 8 characters, a port by 4. */
const MAX_ALG_DELTA = 64;
/** Segment ends remembered per side for matching acknowledgments. */
const MAX_ENDS = 16;
/** ALG rewrites recorded per connection. */
const MAX_ALG = 20;

interface Candidate {
  flow: Flow | null; //    its client sent the SYN to its server; null once the engine forgot it
  isn: number; //          the SYN's sequence number
  time: number;
}

/** Per paired connection: what ALG detection needs. */
interface PairState {
  keys: [string, string]; //                                  its alias 4-tuples, one per direction
  ends: Record<Side, Array<{ end: number; frame: number }>>; // absolute ends of recent data segments
  shift: Record<Side, number>; //                           taken out of acks of that side's bytes
  pending: Record<Side, { delta: number; frame: number; end: number } | null>; // a mismatch awaiting confirmation
}

const ep = (addr: string, port: number) => `${addr}|${port}`;

export class NatHalves {
  private readonly candidates: Candidate[] = []; //   SYNs of new flows, oldest first
  private readonly aliases = new Map<string, { flow: Flow; fromA: boolean }>(); // 'src|sp|dst|dp' → flow
  private readonly pairs = new WeakMap<Flow, PairState>();
  /** Each candidate by its flow, so that a forgotten flow lets go of its candidate: up to 4,096
   *  SYNs of the last PAIR_SECONDS each held a whole forgotten Flow (19 MB of the short-session
   *  prefix's live heap at its peak; a forgotten flow is never paired: lookup skips it). */
  private readonly candidateOf = new Map<Flow, Candidate>();

  /** A new flow was opened by this packet: a SYN may be half of a connection across a NAT. */
  opened(flow: Flow, p: DecodedPacket): void {
    if ((p.flags & (TcpFlag.SYN | TcpFlag.ACK)) !== TcpFlag.SYN) return;
    const c = this.candidates;
    while (c.length > 0 && (c.length >= MAX_CANDIDATES || p.time - c[0]!.time > PAIR_SECONDS)) {
      const gone = c.shift()!;
      if (gone.flow !== null) this.candidateOf.delete(gone.flow);
    }
    const cand = { flow, isn: p.seq, time: p.time };
    c.push(cand);
    this.candidateOf.set(flow, cand);
  }

  /** A packet on a 4-tuple the flow table does not know: an alias of a paired connection, or the
   *  other half of a recent SYN. `paired` is set when this packet made the pair. */
  lookup(p: DecodedPacket): { flow: Flow; fromA: boolean; paired: boolean } | null {
    // with no alias only a SYN-ACK can find a connection: a new flow's SYN (every one of them
    // comes here) makes no endpoint strings
    const synAck = (p.flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK);
    if (this.aliases.size === 0 && (!synAck || this.candidates.length === 0)) return null;
    const src = ep(p.srcAddr(), p.srcPort);
    const dst = ep(p.dstAddr(), p.dstPort);
    const key = `${src}|${dst}`;
    const hit = this.aliases.get(key);
    if (hit) {
      if (hit.flow.inTable) return { ...hit, paired: false };
      this.aliases.delete(key); // its connection was forgotten: a new conversation
    }
    if (!synAck) return null;
    for (let k = this.candidates.length - 1; k >= 0; k--) {
      const c = this.candidates[k]!;
      if (p.time - c.time > PAIR_SECONDS) break;
      if (c.flow === null || p.ack !== ((c.isn + 1) >>> 0) || !c.flow.inTable || c.flow.server.ep.segments > 0) continue;
      const flow = c.flow;
      const conn = flow.conn;
      const synSrc = ep(conn.client.addr, conn.client.port); // the SYN's sender and receiver
      const synDst = ep(conn.server.addr, conn.server.port);
      // one endpoint kept, the other translated
      const sourceNat = src === synDst && dst !== synSrc; //      the server answers the NAT's address
      const destinationNat = dst === synSrc && src !== synDst; // the client hears from the real server
      if (!sourceNat && !destinationNat) continue;
      this.candidates.splice(k, 1);
      this.candidateOf.delete(flow);
      const [addr, port] = (sourceNat ? dst : src).split('|') as [string, string];
      conn.nat = {
        translated: sourceNat ? 'client' : 'server',
        addr,
        port: Number(port),
        frame: p.frame,
        alg: [],
      };
      const fromA = flow.fromA === flow.server; // the SYN-ACK comes from the connection's server
      if (this.aliases.size >= MAX_ALIASES) this.aliases.delete(this.aliases.keys().next().value!);
      const back = `${dst}|${src}`;
      this.aliases.set(key, { flow, fromA });
      this.aliases.set(back, { flow, fromA: !fromA });
      this.pairs.set(flow, { keys: [key, back], ends: { client: [], server: [] }, shift: { client: 0, server: 0 }, pending: { client: null, server: null } });
      return { flow, fromA, paired: true };
    }
    return null;
  }

  /** `flow` left the engine's table: its aliases go (a packet on one of them later would find a
   *  forgotten flow and be taken as new anyway), so that once no paired connection is left a new
   *  flow's SYN is looked up without endpoint strings again. */
  forgotten(flow: Flow): void {
    const cand = this.candidateOf.get(flow);
    if (cand) { cand.flow = null; this.candidateOf.delete(flow); }
    const st = this.pairs.get(flow);
    if (!st) return;
    for (const k of st.keys) if (this.aliases.get(k)?.flow === flow) this.aliases.delete(k);
  }

  /** A packet of a connection paired across a NAT, before the engine sees it: its acknowledgment
   *  is corrected for what an ALG added or removed in between. */
  adjust(flow: Flow, fromA: boolean, p: DecodedPacket): void {
    const st = this.pairs.get(flow);
    if (!st) return;
    const s: Side = (fromA ? flow.fromA : flow.fromB).side;
    const r: Side = s === 'client' ? 'server' : 'client';
    const flags = p.flags;
    if ((flags & TcpFlag.ACK) !== 0 && (flags & TcpFlag.RST) === 0 && st.ends[r].length > 0) {
      const ack = (p.ack - st.shift[r]) >>> 0;
      const ends = st.ends[r];
      if (!ends.some((e) => e.end === ack)) {
        const last = ends[ends.length - 1]!;
        const d = (ack - last.end) | 0;
        const pend = st.pending[r];
        if (d !== 0 && d >= -MAX_ALG_DELTA && d <= MAX_ALG_DELTA) {
          if (pend !== null && pend.delta === d && last.end !== pend.end) {
            // the same offset at a later segment: the line of pend.frame was rewritten
            st.shift[r] += d;
            st.pending[r] = null;
            if (flow.conn.nat && flow.conn.nat.alg.length < MAX_ALG) flow.conn.nat.alg.push({ side: r, frame: pend.frame, delta: d });
            p.ack = (p.ack - st.shift[r]) >>> 0;
            return this.noteEnd(st, s, p);
          }
          if (pend === null) st.pending[r] = { delta: d, frame: last.frame, end: last.end };
          // until confirmed, an ack beyond the data sent is held at the data's end: a capture
          // drop would do no harm by it, an ALG's extra bytes none either
          if (d > 0) {
            p.ack = (last.end + st.shift[r]) >>> 0;
          }
        }
      } else st.pending[r] = null;
      p.ack = (p.ack - st.shift[r]) >>> 0;
    }
    this.noteEnd(st, s, p);
  }

  /** Remembers where the sender's data (with a FIN or SYN) ends. */
  private noteEnd(st: PairState, s: Side, p: DecodedPacket): void {
    const flags = p.flags;
    const len = p.segmentLength + ((flags & TcpFlag.FIN) !== 0 ? 1 : 0) + ((flags & TcpFlag.SYN) !== 0 ? 1 : 0);
    if (len === 0 || (flags & TcpFlag.RST) !== 0) return;
    const ends = st.ends[s];
    ends.push({ end: (p.seq + len) >>> 0, frame: p.frame });
    if (ends.length > MAX_ENDS) ends.shift();
  }
}

export type { AlgRewrite };
