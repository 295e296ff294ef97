// The TCP engine: decoded packets in, connections, in-order streams and TCP events out.
//
// Per packet: find the flow (a new SYN with a new ISN on a known 4-tuple starts a new
// conversation, as Wireshark's tcp.stream does), run the Wireshark-compatible analysis, update
// the endpoints' sequence positions and RFC 9293 states (the segment's ACK first, then its data,
// then its FIN/RST, so causality holds: what a segment acknowledges is settled before what it
// carries), reassemble and deliver, update Zeek's states and history, and watch for close-out.
//
// Close-out: both FINs acknowledged, or an acceptable RST. The connection then stays open for
// `closeGraceSeconds` of capture time so trailing segments (the last ACK, an RST/ACK after an
// RST, a stray ACK after FIN and the RST that answers it, a refused SYN's retries) still belong
// to it; then onEnd. At most `maxClosingFlows` wait out their grace: past that the one closed out
// longest ago ends at once (a busy server closes more connections in 2 s than it holds open).
// Packets arriving later on the same 4-tuple without a new SYN are still counted in that
// connection (Wireshark keeps them in the same stream) but nothing more is delivered. The flow
// table is bounded: at `maxFlows` a closed-out flow is dropped first, else the live flow idle the
// longest is closed out early with a 'flow-evicted' event; and at most `maxEndedFlows` ended
// flows are kept (the longest-ended go first).

import type { DecodedPacket } from '../decode/packet.ts';
import { TcpFlag } from '../decode/packet.ts';
import type { Connection, Side, TcpEngineOptions, TcpEngineStats, TcpEventKind, TcpListener, TcpState } from './types.ts';
import { defaultTcpEngineOptions, MAX_EVENT_FRAMES, MAX_HOLES } from './types.ts';
import { advertisedWindow, analyzeSegment, Flag, noteHandshakeTiming, noteSynWindowScale } from './analysis.ts';
import { onAckSent, onFinSent, onRstSent, onSynAckSent, onSynSent, type EndpointTracker } from './endpoint-state.ts';
import { FlowTable } from './flow-table.ts';
import { endIpHistory, forgetIpHistory, noteIpHeaders, RecentRings } from './ip-history.ts';
import { RtoChain, rtoStory } from './rto-chain.ts';
import { holeOpened, noteHandshakeAck, noteHoleReport, noteSyn, reorderedFill } from './reordering.ts';
import { Flow, type Delivery } from './flow.ts';
import { Reassembler } from './reassembler.ts';
import { firstPacketRoles } from './roles.ts';
import { seqDiff, seqGt, seqLe } from './seq.ts';
import { endStall, noteWindow } from './window-stall.ts';
import { NatHalves } from './nat-halves.ts';

const SYN = TcpFlag.SYN;
const FIN = TcpFlag.FIN;
const RST = TcpFlag.RST;
const ACK = TcpFlag.ACK;
const PSH = TcpFlag.PSH;
/** Analysis flags of segments that answer (or are) a probe: never a stray ACK. */
const PROBE_FLAGS = Flag.KEEP_ALIVE | Flag.KEEP_ALIVE_ACK | Flag.ZERO_WINDOW_PROBE_ACK;

/** An RST whose sequence number lies this far beyond what its receiver acknowledged is not
 *  acceptable (a blind injection or garbage); within it we assume the receiver took it. */
const RST_ACCEPT_WINDOW = 1 << 20; // bytes

/** IPv4 address texts kept for sharing (engine addressText): past it the table starts over. */
const ADDRESS_NAMES = 4096;

/** Frames listed in a HalfCloseFact. */
const MAX_HALF_CLOSE_FRAMES = 20;

/** Wireshark analysis flag → event kind. */
const ANALYSIS_EVENTS: ReadonlyArray<readonly [number, TcpEventKind]> = [
  [Flag.RETRANSMISSION, 'retransmission'],
  [Flag.FAST_RETRANSMISSION, 'fast-retransmission'],
  [Flag.SPURIOUS_RETRANSMISSION, 'spurious-retransmission'],
  [Flag.OUT_OF_ORDER, 'out-of-order'],
  [Flag.LOST_SEGMENT, 'lost-segment'],
  [Flag.ACK_LOST_SEGMENT, 'ack-unseen'],
  [Flag.DUPLICATE_ACK, 'duplicate-ack'],
  [Flag.ZERO_WINDOW, 'zero-window'],
  [Flag.WINDOW_FULL, 'window-full'],
  [Flag.KEEP_ALIVE, 'keep-alive'],
];
const EVENT_FLAGS = ANALYSIS_EVENTS.reduce((m, [bit]) => m | bit, 0);

export class TcpEngine {
  // liveFlows is the table's size: set where the table grows (open) and shrinks (forget)
  readonly stats: TcpEngineStats = { liveFlows: 0, evicted: 0, bufferedBytes: 0 };
  /** Analysis Flag bits of the last packet (for tests and tools comparing with tshark). */
  lastFlags = 0;
  /** Connection of the last packet. */
  lastConnection: Connection | null = null;
  /** Relative stream offset of the last packet's first payload byte (what onData calls
   *  `offset`), -1 when it carried none: lets a caller place its own view of the segment. */
  lastDataOffset = -1;
  private readonly opts: TcpEngineOptions;
  private readonly table = new FlowTable<Flow>();
  private readonly conns: Connection[] = []; //                 every connection (keepConnections)
  private readonly liveConns = new Map<number, Connection>(); // … or those not forgotten yet
  private connCount = 0;
  private closingHead: Flow | null = null;
  private closingTail: Flow | null = null;
  private closingCount = 0; // flows in the close-out queue (some may have ended another way)
  private readonly nat = new NatHalves(); // connections whose halves cross a NAT (nat-halves.ts)
  /** Every live endpoint's ring of recent segments (ip-history.ts). */
  readonly recentRings = new RecentRings();
  /** IPv4 address texts by address (addressText). */
  private readonly addressNames = new Map<number, string>();
  /** Where every flow delivers its bytes (each flow's endpoints are the sinks of its directions). */
  private readonly delivery: Delivery;

  constructor(
    private readonly listener: TcpListener,
    opts?: Partial<TcpEngineOptions>,
  ) {
    this.opts = { ...defaultTcpEngineOptions, ...opts };
    this.delivery = { listener, stats: this.stats };
  }

  /** Every connection so far, by id (without keepConnections: those not forgotten yet). */
  get connections(): readonly Connection[] {
    return this.opts.keepConnections ? this.conns : [...this.liveConns.values()];
  }

  /** Connections seen so far, forgotten or not. */
  get connectionCount(): number {
    return this.connCount;
  }

  /** One decoded TCP segment (outcome 'tcp'), in capture order. */
  packet(p: DecodedPacket): void {
    if (this.closingHead !== null) this.expire(p.time, p.frame);
    const stale = this.table.oldestEnded();
    if (stale !== null && p.time - stale.lastTime > this.opts.endedFlowSeconds) this.forgetEnded(p.time);
    const idle = this.table.oldestLive();
    if (idle !== null && this.opts.idleTimeoutSeconds > 0 && p.time - idle.lastTime > this.opts.idleTimeoutSeconds) this.endIdle(p.time, p.frame);
    const table = this.table;
    let flow = table.find(p);
    let fromA = table.fromA;
    const flags = p.flags;
    let reused = false;
    if (flow !== null && flags & SYN) {
      // port reuse: a SYN whose sequence number is not the base this direction already has
      const fwd = fromA ? flow.fromA : flow.fromB;
      if (fwd.ws.baseSet && p.seq !== fwd.ws.base) {
        reused = true;
        const rev = fwd.peer.ws;
        if (flags & ACK && rev.baseSet && p.ack === ((rev.base + 1) >>> 0)) {
          // a SYN-ACK that answers the known SYN with a new ISN: the same conversation re-synchronised
          fwd.ws.resync(p.seq);
        } else {
          this.retire(flow, p.frame);
          flow = null;
        }
      }
    }
    if (flow === null) {
      // the other half of a connection across a NAT, or a new conversation
      const half = this.nat.lookup(p);
      if (half !== null) {
        flow = half.flow;
        fromA = half.fromA;
        if (half.paired) this.listener.onNatPaired?.(flow.conn);
      } else {
        flow = this.open(p);
        fromA = true;
      }
    }
    if (flow.conn.nat !== null) this.nat.adjust(flow, fromA, p);
    this.segment(flow, fromA ? flow.fromA : flow.fromB, p);
    if (reused) this.lastFlags |= Flag.REUSED_PORTS; // Wireshark's tcp.analysis.reused_ports
    if (this.closingCount > this.opts.maxClosingFlows) this.shedClosing(p.frame);
  }

  /** Capture time has reached `now` (s since 1970) with no packet: a live capture on a quiet
   *  link. Closed-out connections whose grace has passed end now, exactly as the next packet
   *  would have ended them; the caller must not feed a packet older than `now` afterwards. */
  advance(now: number): void {
    if (this.closingHead !== null) this.expire(now, Number.MAX_SAFE_INTEGER);
    if (this.opts.idleTimeoutSeconds > 0) this.endIdle(now, Number.MAX_SAFE_INTEGER);
    this.forgetEnded(now);
  }

  /** Live flows silent for longer than idleTimeoutSeconds end, unless the listener keeps them. */
  private endIdle(now: number, frame: number): void {
    const limit = this.opts.idleTimeoutSeconds;
    let firstKept: Flow | null = null;
    for (let f = this.table.oldestLive(); f !== null && f !== firstKept && now - f.lastTime > limit; f = this.table.oldestLive()) {
      if (this.listener.keepIdle?.(f.conn) === true) {
        // to the back of the line, without pretending it saw a packet; asked again next round
        firstKept ??= f;
        this.table.touch(f);
        continue;
      }
      f.conn.idleEndedAt = now;
      this.finalize(f, frame > f.conn.lastFrame ? f.conn.lastFrame : frame);
    }
  }

  /** Ended flows quiet for longer than endedFlowSeconds leave the table. */
  private forgetEnded(now: number): void {
    for (let f = this.table.oldestEnded(); f !== null && now - f.lastTime > this.opts.endedFlowSeconds; f = this.table.oldestEnded()) this.forget(f);
  }

  /** An ended flow leaves the table; its connection can no longer change. */
  private forget(flow: Flow): void {
    this.table.remove(flow);
    this.stats.liveFlows = this.table.size;
    this.nat.forgotten(flow);
    forgetIpHistory(flow.conn);
    this.listener.onForget?.(flow.conn);
    if (!this.opts.keepConnections) this.liveConns.delete(flow.conn.id);
  }

  /** End of capture: every connection not yet closed out is, in id order. */
  finish(): void {
    const open = this.table.liveFlows();
    open.sort((x, y) => x.conn.id - y.conn.id);
    for (const f of open) this.finalize(f, f.conn.lastFrame);
    this.closingHead = null;
    this.closingTail = null;
    this.closingCount = 0;
  }

  // ---------------------------------------------------------------------------------------------
  // flows

  private open(p: DecodedPacket): Flow {
    if (this.table.size >= this.opts.maxFlows) this.evictOne(p.frame);
    const roles = firstPacketRoles(p.flags, p.srcPort, p.dstPort);
    const flow = new Flow(
      this.connCount++,
      { frame: p.frame, time: p.time, ipVersion: p.ipVersion === 6 ? 6 : 4 },
      this.addressText(p, p.addrOffsetSrc),
      p.srcPort,
      this.addressText(p, p.addrOffsetDst),
      p.dstPort,
      roles.dstIsServer,
      roles.guessed,
      this.delivery,
    );
    this.table.insert(flow);
    this.nat.opened(flow, p);
    this.stats.liveFlows = this.table.size;
    if (this.opts.keepConnections) this.conns.push(flow.conn);
    else this.liveConns.set(flow.conn.id, flow.conn);
    this.listener.onConnection(flow.conn, p);
    return flow;
  }

  /** The text of the address at `offset` of `p`. IPv4 texts are shared between the flows of the
   *  same address (a server's, a busy client's), from a table of the latest ADDRESS_NAMES: a
   *  string each was ~32 B per endpoint and the formatting a dozen string operations per flow. */
  private addressText(p: DecodedPacket, offset: number): string {
    if (p.addrLength !== 4) return offset === p.addrOffsetSrc ? p.srcAddr() : p.dstAddr();
    const d = p.data;
    const word = (d[offset]! << 24) | (d[offset + 1]! << 16) | (d[offset + 2]! << 8) | d[offset + 3]!; // int32: a small integer key
    let text = this.addressNames.get(word);
    if (text === undefined) {
      text = offset === p.addrOffsetSrc ? p.srcAddr() : p.dstAddr();
      if (this.addressNames.size >= ADDRESS_NAMES) this.addressNames.clear();
      this.addressNames.set(word, text);
    }
    return text;
  }

  // ---- total reassembly memory
  // Each direction may hold maxBufferedBytesPerFlow out of order, but many flows each just under
  // that cap add up (10^4 flows × 4 MiB = 40 GiB): past maxBufferedBytesTotal the direction holding
  // the most gives up its earliest hole, which delivers what follows and frees it, until the total
  // fits. Scanning the live flows is O(flows), paid only when the cap is hit.

  private relieveBuffers(frame: number): void {
    while (this.stats.bufferedBytes > this.opts.maxBufferedBytesTotal) {
      let victim: Flow | null = null;
      let victimSide: EndpointTracker | null = null;
      let most = 0;
      for (const f of this.table.liveFlows()) {
        for (const t of [f.client, f.server]) {
          const held = t.rsm?.buffered ?? 0;
          if (held > most) {
            most = held;
            victim = f;
            victimSide = t;
          }
        }
      }
      // cite the victim's own latest frame: `frame` may belong to another connection
      const at = victim === null ? frame : Math.min(frame, victim.conn.lastFrame);
      if (victim === null || victimSide === null || !victimSide.rsm!.forceFirstHole(at)) return;
      victim.note('reassembly-overflow', victimSide.side, at);
    }
  }

  private evictOne(frame: number): void {
    const victim = this.table.evictionCandidate();
    if (victim === null) return;
    if (!victim.conn.ended) {
      const conn = victim.conn;
      conn.evicted = true;
      victim.note('flow-evicted', null, conn.lastFrame);
      this.stats.evicted++;
      this.finalize(victim, frame);
    }
    if (victim.inTable) this.forget(victim);
  }

  /** The 4-tuple is reused by a new conversation: close this one out and forget its key. */
  private retire(flow: Flow, frame: number): void {
    this.finalize(flow, frame);
    if (flow.inTable) this.forget(flow);
  }

  private closeOut(flow: Flow, time: number): void {
    if (flow.closeAt >= 0) return;
    flow.closeAt = time;
    if (this.closingTail !== null) this.closingTail.nextClosing = flow;
    else this.closingHead = flow;
    this.closingTail = flow;
    this.closingCount++;
  }

  /** Closed-out connections whose grace has passed get their onEnd. */
  private expire(now: number, frame: number): void {
    const grace = this.opts.closeGraceSeconds;
    let f = this.closingHead;
    while (f !== null && now - f.closeAt > grace) f = this.endClosing(f, frame);
  }

  /** More closed-out connections wait than maxClosingFlows: those closed out longest ago end now. */
  private shedClosing(frame: number): void {
    let f = this.closingHead;
    while (f !== null && this.closingCount > this.opts.maxClosingFlows) f = this.endClosing(f, frame);
  }

  /** The head of the close-out queue leaves it and ends (if nothing ended it before); returns the
   *  new head. */
  private endClosing(f: Flow, frame: number): Flow | null {
    const next = f.nextClosing;
    f.nextClosing = null;
    this.closingHead = next;
    if (next === null) this.closingTail = null;
    this.closingCount--;
    if (!f.conn.ended) this.finalize(f, frame > f.conn.lastFrame ? f.conn.lastFrame : frame);
    return next;
  }

  /** Facts become final: pending bytes are delivered (holes as gaps), then onEnd. */
  private finalize(flow: Flow, frame: number): void {
    const conn = flow.conn;
    if (conn.ended) return;
    this.flushTracker(flow.client, frame, true);
    this.flushTracker(flow.server, frame, true);
    endStall(conn.client, conn.endTime, conn.lastFrame);
    endStall(conn.server, conn.endTime, conn.lastFrame);
    conn.client.missingUnacked = flow.client.missingUnacked();
    conn.server.missingUnacked = flow.server.missingUnacked();
    const client = flow.client;
    // unanswered: nothing from the server, and the client never acknowledged anything either (an
    // answer the capture missed would show in the client's ACKs)
    if (client.synFrames !== null && flow.server.ep.segments === 0 && !client.ackSent) {
      for (const f of client.synFrames) flow.note('handshake-unanswered', 'client', f);
      flow.noteUncited('handshake-unanswered', 'client', client.synCount - client.synFrames.length);
    }
    conn.lost = rtoStory(flow.client.rto, flow.server.rto);
    this.updateSummary(flow);
    trimArrays(flow);
    endIpHistory(this.recentRings, conn);
    conn.ended = true;
    this.table.markEnded(flow);
    // forget the longest-ended flows beyond the cap: memory follows concurrency, not file length
    while (this.table.endedCount > this.opts.maxEndedFlows) this.forget(this.table.oldestEnded()!);
    this.listener.onEnd(conn);
  }

  /** Delivers what a direction still holds; `final`: also the bytes known to be missing at its end. */
  private flushTracker(t: EndpointTracker, frame: number, final: boolean): void {
    const rsm = t.rsm;
    if (rsm === null) return;
    rsm.flushAll(t.hiRel, frame);
    if (final) {
      // acknowledged (or FIN-bounded) bytes beyond the last one seen are a gap too; an ack one past
      // the data without a FIN seen is taken as the ack of an unseen FIN
      const end = t.finSeen ? t.finRel : t.ackedRel > t.hiRel + 1 ? t.ackedRel : t.hiRel;
      if (end > rsm.next) rsm.flushTo(end, frame);
      rsm.discard();
      t.rsm = null;
    }
  }

  private updateSummary(flow: Flow): void {
    const conn = flow.conn;
    conn.history = flow.zeek.history;
    conn.connState = flow.zeek.connState(flow.client.ep.bytesSent, flow.server.ep.bytesSent);
  }

  // ---------------------------------------------------------------------------------------------
  // one segment

  private segment(flow: Flow, s: EndpointTracker, p: DecodedPacket): void {
    if (this.opts.inOrderPath && this.inOrder(flow, s, p)) return;
    const r = s.peer;
    const conn = flow.conn;
    const ep = s.ep;
    const side: Side = s.side;
    const frame = p.frame;
    const time = p.time;
    const flags = p.flags;
    const seq = p.seq;
    const ack = p.ack;
    const seglen = p.segmentLength; //  payload bytes per the IP header
    const paylen = p.payloadLength < seglen ? p.payloadLength : seglen; // of which captured
    const isSyn = (flags & SYN) !== 0;
    const isFin = (flags & FIN) !== 0;
    const isRst = (flags & RST) !== 0;
    const hasAck = (flags & ACK) !== 0;
    const live = !conn.ended;

    this.begin(flow, s, p);

    // 1. Wireshark-compatible analysis
    const af = analyzeSegment(s.ws, r.ws, flow.ws, seq, ack, seglen, flags, p.window, time);
    this.lastFlags = af;
    if (isSyn) {
      noteSynWindowScale(s.ws, r.ws, hasAck, p.windowScale);
      ep.windowScale = s.ws.winScale >= 0 ? s.ws.winScale : -1;
      r.ep.windowScale = r.ws.winScale >= 0 ? r.ws.winScale : -1;
      if (p.mss >= 0) ep.mss = p.mss;
    }
    noteHandshakeTiming(flow.ws, flags, time);
    if (af & EVENT_FLAGS) {
      for (const [bit, kind] of ANALYSIS_EVENTS) if (af & bit) flow.note(kind, side, frame);
      // a retransmission after the sender's own FIN belongs to its close (its FIN again, or the
      // tail of its data while the FIN waits): counted apart so a close is not a lossy transfer
      if (af & Flag.RETRANSMISSION && s.finSeen) ep.retransmissionsAfterFin++;
    }
    // window stall: how long this side keeps its window closed (window-stall.ts)
    if ((flags & (SYN | FIN | RST)) === 0 && !s.finSeen && (p.window === 0 || ep.stall !== undefined)) noteWindow(ep, p.window, time, frame);

    // 2. Heuristic: stray ACK after FIN
    //   A segment without data, SYN, FIN or RST that a side sends after it acknowledged its peer's
    //   FIN, acknowledging nothing new: its ack is at or below the highest it had sent (an exact
    //   repeat, or the delayed ACK of data before the FIN overtaken by the ACK of the FIN, as old
    //   Windows sends it), window updates included. Not when it answers something the peer sent
    //   (a retransmitted FIN, a keep-alive, a zero-window probe, an old duplicate), not a
    //   keep-alive itself, and not an old segment of its own that arrives late (its sequence
    //   number lies before what it had already sent). The peer's next segment is watched: an RST
    //   there is the one it drew.
    let answersStray = false;
    if (flow.strayBy === r) {
      answersStray = true;
      flow.strayBy = null;
    }
    if (
      hasAck &&
      (flags & (SYN | FIN | RST)) === 0 &&
      seglen === 0 &&
      s.ackedPeerFinFrame !== 0 &&
      seqLe(ack, s.highAck) &&
      s.rel(seq) >= s.hiRel && // not an old duplicate the network delivered late
      !r.needsAnswer &&
      (af & PROBE_FLAGS) === 0
    ) {
      flow.note('stray-ack-after-fin', side, frame);
      const below = seqDiff(s.highAck, ack);
      if (conn.strayAck === null) conn.strayAck = { by: side, finAckFrame: s.ackedPeerFinFrame, frame, rstFrame: null, ackBelow: below };
      flow.strayBy = s;
      flow.strayFrame = frame;
      flow.strayBelow = below;
    }
    r.needsAnswer = false;

    // 3. SYN: initial sequence number; otherwise the first segment fixes the stream origin
    if (isSyn) {
      if (ep.synFrame === null) ep.synFrame = frame;
      if (!s.synSeen || ep.isn !== seq) {
        s.synSeen = true;
        ep.isn = seq;
        // (re)base unless bytes were already counted against an inferred origin
        if (!s.baseKnown || (s.hiRel === 0 && s.ackedRel <= 0)) {
          s.base = (seq + 1) >>> 0;
          s.baseKnown = true;
          if (s.ackedRel >= 0) s.ackedRel = -1;
        }
      }
      noteSyn(s, hasAck, time);
      if (hasAck) onSynAckSent(s, frame, time);
      else {
        onSynSent(s, frame, time);
        // the first SYN gets an exact-size list: most connections send one (push onto [] reserves 17);
        // beyond the event's frame cap SYNs are only counted (30 M SYNs kept every frame: 607 MB)
        if (side === 'client') {
          s.synCount++;
          if (s.synFrames === null) s.synFrames = [frame];
          else if (s.synFrames.length < MAX_EVENT_FRAMES) s.synFrames.push(frame);
        }
      }
      s.needsAnswer = true;
    } else if (!s.baseKnown) {
      s.base = seq;
      s.baseKnown = true;
    }
    const dataStart = s.rel(seq) + (isSyn ? 1 : 0);
    const dataEnd = dataStart + seglen;
    // the lost segment's hole, recorded with the event: from the highest byte seen to this start
    if (af & Flag.LOST_SEGMENT && dataStart > s.hiRel && (conn.holes?.length ?? 0) < MAX_HOLES) {
      (conn.holes ??= []).push({ frame, by: side, offset: s.hiRel, bytes: dataStart - s.hiRel });
    }
    if (paylen > 0) this.lastDataOffset = dataStart;

    // retransmission timeout chains: one segment sent again and again (rto-chain.ts)
    if (r.rto !== null) r.rto.peerSent();
    if ((seglen > 0 || isFin) && !isRst && !isSyn) {
      if (af & Flag.RETRANSMISSION) (s.rto ??= new RtoChain()).retransmitted(dataStart, dataEnd + (isFin ? 1 : 0), seglen, frame, time, s);
      else if (dataEnd > s.hiRel || (isFin && !s.finSeen)) {
        s.lastNewStart = dataStart;
        s.lastNewFrame = frame;
        s.lastNewTime = time;
        if (s.rto !== null) s.rto.sentNew(dataStart);
      }
    }

    // 4. what the segment acknowledges (ACKs on RSTs are not trusted)
    if (hasAck && !isRst) {
      if (!isSyn) noteHandshakeAck(s, time);
      this.acknowledge(flow, s, ack, isSyn, frame, time, live);
    }

    // 5. payload
    if (seglen > 0 && !isRst) {
      if (s.finSeen && dataEnd > s.finRel) flow.note('data-after-fin', side, frame);
      if (flow.rstFrame !== 0) flow.note('data-after-reset', side, frame);
      if (dataEnd > s.hiRel && r.finSeen && s.ackedPeerFinFrame !== 0) {
        // early half-close: r closed its side, s acknowledged that and still sends new data
        flow.note('early-half-close', side, frame);
        let hc = conn.halfClose;
        if (hc === null) {
          hc = { by: r.side, finFrame: r.ep.finFrame ?? frame, peerBytesAfter: 0, peerFramesAfter: [] };
          conn.halfClose = hc;
        }
        hc.peerBytesAfter += dataEnd - (dataStart > s.hiRel ? dataStart : s.hiRel);
        if (hc.peerFramesAfter.length < MAX_HALF_CLOSE_FRAMES) hc.peerFramesAfter.push(frame);
      }
      this.carry(flow, s, p, dataStart, dataEnd, paylen, af, live);
    } else if (af & (Flag.KEEP_ALIVE | Flag.ZERO_WINDOW_PROBE) || dataStart < s.ackedRel) {
      // probes, and segments from before what the peer already acknowledged (an old duplicate:
      // RFC 9293 §3.10.7.4 has the receiver answer those with an ACK) ask for an answer too
      s.needsAnswer = true;
    }

    // 6. FIN
    if (isFin && !isRst) {
      if (!s.finSeen) {
        s.finSeen = true;
        s.finRel = dataEnd;
        if (dataEnd > s.hiRel) s.hiRel = dataEnd;
        ep.finFrame = frame;
        ep.bytesSent = s.dataEnd();
        ep.bytesAcked = s.acked();
        if (conn.closedBy === null) {
          conn.closedBy = side;
          conn.closeKind = 'fin';
          conn.closeFrame = frame;
        }
        onFinSent(s, frame, time);
        endStall(ep, time, frame);
      }
      s.needsAnswer = true;
    }

    // 7. RST
    if (isRst) this.reset(flow, s, p, answersStray, live);

    // 8. Zeek's view
    flow.zeek.segment(s === flow.client, flags, seq, ack, seglen, p.window);
    if (flow.zeek.takeChanged()) this.updateSummary(flow);

    if (live && flags & (SYN | FIN | RST)) this.listener.onControl?.(conn, side, flags, frame, time);

    // 9. close-out once both sides sent their FIN: neither sends data any more. The last ACK is
    // often missing (the capture stopped, or the host had gone); the grace still takes it, and a
    // connection waiting for it would otherwise stay open to the end of the capture.
    if (flow.closeAt < 0 && s.finSeen && r.finSeen) this.closeOut(flow, time);
  }

  /** What every segment `p` sent by `s` does first: its IP header fields (before the
   *  connection's lastFrame and endTime move: the silence is measured from them), the flow's
   *  place on the LRU list, the sender's counts. */
  private begin(flow: Flow, s: EndpointTracker, p: DecodedPacket): void {
    const conn = flow.conn;
    const r = s.peer;
    const ep = s.ep;
    noteIpHeaders(this.recentRings, conn, ep, r.ep, p);
    conn.lastFrame = p.frame;
    conn.endTime = p.time;
    flow.lastTime = p.time;
    this.table.touch(flow);
    ep.segments++;
    ep.lastTtl = p.ttl;
    this.lastConnection = conn;
    this.lastDataOffset = -1;
    if (!conn.deliver && (s.rsm !== null || r.rsm !== null)) this.stopDelivery(flow);
  }

  /**
   * The common case in fewer steps: a segment with no flag but ACK (and PSH) on a connection both
   * of whose ends are established and neither closing, starting at the sender's next expected
   * sequence number, neither a repeated ACK nor raising any analysis flag, with an open window.
   * Does what segment() does for such a segment, in the same order, leaving out the steps that
   * cannot apply (test/tcp/in-order-path.test.ts runs traces through both paths and compares
   * every state after every packet). Returns false, having changed nothing, for any other segment.
   */
  private inOrder(flow: Flow, s: EndpointTracker, p: DecodedPacket): boolean {
    const flags = p.flags;
    if ((flags & ~PSH) !== ACK) return false;
    const conn = flow.conn;
    const r = s.peer;
    const window = p.window;
    if (conn.ended || window === 0 || flow.rstFrame !== 0 || s.finSeen || r.finSeen || s.ackedPeerFinFrame !== 0 || !s.baseKnown || !r.baseKnown) return false;
    if (s.ep.state !== 'ESTABLISHED' || r.ep.state !== 'ESTABLISHED' || !flow.zeek.bothEstablished()) return false;
    // what analyzeSegment would flag: nothing, when these hold
    const fw = s.ws;
    const rv = r.ws;
    const seq = p.seq;
    const ack = p.ack;
    const seglen = p.segmentLength;
    if (!fw.baseSet || !rv.baseSet || fw.nextSeq === 0 || seq !== fw.nextSeq) return false;
    if (rv.maxSeqToBeAcked !== 0 && seqGt(ack, rv.maxSeqToBeAcked)) return false; // ACKed unseen segment
    if (seglen === 0) {
      if (ack === fw.lastAck) return false; // duplicate ACK, window update, keep-alive or probe ACK
    } else {
      if (seglen === 1 && rv.window === 0) return false; // zero-window probe
      const end = (seq + seglen) >>> 0;
      if (rv.lastAck !== 0 && seqLe(end, rv.lastAck)) return false; // spurious retransmission
      if (rv.winScale !== -1 && rv.window >= 0 && end === ((rv.lastAck + advertisedWindow(rv)) >>> 0)) return false; // window full
    }

    const ep = s.ep;
    const frame = p.frame;
    const time = p.time;
    const paylen = p.payloadLength < seglen ? p.payloadLength : seglen;
    this.begin(flow, s, p);

    // 1. the analysis' state moves on (analyzeSegment's updates for an unflagged in-order segment)
    if (ack !== fw.lastAck) fw.dupAckNum = 0;
    if (seglen > 0) {
      fw.nextSeq = (seq + seglen) >>> 0;
      fw.nextSeqTime = time;
    }
    if (seq === fw.maxSeqToBeAcked || fw.maxSeqToBeAcked === 0) fw.maxSeqToBeAcked = fw.nextSeq;
    fw.window = window;
    fw.windowFromSyn = false;
    fw.lastAck = ack;
    fw.lastAckTime = time;
    fw.lastSegFlags = 0;
    this.lastFlags = 0;
    noteHandshakeTiming(flow.ws, flags, time);
    if (ep.stall !== undefined) noteWindow(ep, window, time, frame);

    // 2. (no stray ACK to answer: one is only watched for after a FIN)
    r.needsAnswer = false;

    // 3. offsets, and the sender's latest new data (rto-chain.ts)
    const dataStart = s.rel(seq);
    const dataEnd = dataStart + seglen;
    if (paylen > 0) this.lastDataOffset = dataStart;
    if (r.rto !== null) r.rto.peerSent();
    if (seglen > 0 && dataEnd > s.hiRel) {
      s.lastNewStart = dataStart;
      s.lastNewFrame = frame;
      s.lastNewTime = time;
      if (s.rto !== null) s.rto.sentNew(dataStart);
    }

    // 4. what it acknowledges, 5. what it carries
    noteHandshakeAck(s, time);
    this.acknowledge(flow, s, ack, false, frame, time, true);
    if (seglen > 0) this.carry(flow, s, p, dataStart, dataEnd, paylen, 0, true);
    else if (dataStart < s.ackedRel) s.needsAnswer = true;

    // 8. Zeek's view
    flow.zeek.established(s === flow.client, seq, seglen);
    if (flow.zeek.takeChanged()) this.updateSummary(flow);
    return true;
  }

  /** The bytes [dataStart, dataEnd) of `s`'s stream that segment `p` carries (`paylen` of them
   *  captured; `af` its analysis flags): coverage, the sender's counts and delivery. */
  private carry(flow: Flow, s: EndpointTracker, p: DecodedPacket, dataStart: number, dataEnd: number, paylen: number, af: number, live: boolean): void {
    const ep = s.ep;
    const frame = p.frame;
    const time = p.time;
    const seenBefore = s.cov.hi; // bytes of this stream seen before this segment (offset)
    const fresh = s.cov.add(dataStart, dataStart + paylen);
    ep.bytesCaptured += fresh;
    // fresh bytes below what was seen before fill a hole: the network lost them and a resend
    // came, or it only reordered them (reordering.ts)
    const above = dataStart + paylen > seenBefore ? dataStart + paylen - (dataStart > seenBefore ? dataStart : seenBefore) : 0;
    if (dataStart > seenBefore) holeOpened(s, seenBefore, time);
    if (fresh > above) {
      if (af & Flag.OUT_OF_ORDER && reorderedFill(s, dataStart, time)) {
        ep.gapBytesReordered += fresh - above;
        ep.gapsReordered += s.cov.closed;
      } else ep.gapBytesFilled += fresh - above;
    }
    if (dataEnd > s.hiRel) s.hiRel = dataEnd;
    ep.bytesSent = s.dataEnd();
    if (live && flow.conn.deliver) {
      let rsm = s.rsm;
      if (rsm === null) {
        rsm = new Reassembler(s === flow.client ? flow.client : flow.server, this.opts.maxBufferedBytesPerFlow);
        // delivery switched (back) on mid-stream: start with this segment, not with a gap
        // covering everything that went by undelivered
        if (seenBefore > 0 && dataStart > 0) rsm.next = dataStart;
        s.rsm = rsm;
      }
      if (paylen > 0 && rsm.insert(dataStart, p.data, p.payloadOffset, paylen, frame, time)) {
        flow.note('reassembly-overflow', s.side, frame);
      }
      if (this.stats.bufferedBytes > this.opts.maxBufferedBytesTotal) this.relieveBuffers(frame);
      // bytes the peer acknowledged before they showed up here will never come: gaps now
      if (s.ackedRel > rsm.next) rsm.flushTo(s.ackedRel < s.hiRel ? s.ackedRel : s.hiRel, frame);
    }
    s.needsAnswer = true;
  }

  /** `s` acknowledges `ack` of its peer's stream. */
  private acknowledge(flow: Flow, s: EndpointTracker, ack: number, isSyn: boolean, frame: number, time: number, live: boolean): void {
    const r = s.peer;
    if (!r.baseKnown) {
      // mid-stream: the peer's stream starts where this first acknowledgment points
      r.base = ack;
      r.baseKnown = true;
    }
    const ackRel = r.rel(ack);
    noteHoleReport(r, ackRel, time);
    let acksFin = false;
    if (ackRel > r.ackedRel) {
      r.ackedRel = ackRel;
      if (r.finSeen && ackRel >= r.finRel + 1 && s.ackedPeerFinFrame === 0) {
        acksFin = true;
        s.ackedPeerFinFrame = frame;
      }
      if (r.rto !== null) r.rto.acked(ackRel);
      const rep = r.ep;
      rep.bytesSent = r.dataEnd();
      rep.bytesAcked = r.acked();
      // content gap: the acknowledgment passes bytes the capture never had
      if (r.cov.firstHoleBelow(ackRel) >= 0 || ackRel > r.hiRel + 1) flow.zeek.gap(r === flow.client);
      if (live && r.rsm !== null) {
        r.rsm.flushTo(ackRel < r.hiRel ? ackRel : r.hiRel, frame);
        r.rsm.release(ackRel); // a later copy of acknowledged bytes is a duplicate the receiver drops
      }
    }
    // the peer's SYN is acknowledged (a SYN-ACK or its ACK; without the SYN seen, any ACK from a
    // side waiting for one)
    const acksSyn = !isSyn && (r.synSeen ? ackRel >= 0 : true);
    onAckSent(s, acksSyn, acksFin, frame, time);
    s.lastAck = ack;
    if (!s.ackSent || seqGt(ack, s.highAck)) s.highAck = ack;
    s.ackSent = true;
  }

  private reset(flow: Flow, s: EndpointTracker, p: DecodedPacket, answersStray: boolean, live: boolean): void {
    const r = s.peer;
    const conn = flow.conn;
    const ep = s.ep;
    const frame = p.frame;
    const time = p.time;
    if (ep.rstFrame === null) ep.rstFrame = frame;
    if (!this.rstAcceptable(s, p)) return;
    if (flow.rstFrame !== 0) {
      flow.note(flow.refused ? 'handshake-refused' : 'tcp-reset', s.side, frame);
      return;
    }
    flow.rstFrame = frame;
    const senderState: TcpState = ep.state;
    const peerState: TcpState = r.ep.state;
    // refused: the answer to a SYN is an RST from a side that never sent a SYN-ACK
    if (s.side === 'server' && peerState === 'SYN-SENT' && !s.synSeen) {
      flow.refused = true;
      flow.note('handshake-refused', s.side, frame);
    } else {
      flow.note('tcp-reset', s.side, frame);
      conn.reset = {
        by: s.side,
        frame,
        time,
        senderState,
        peerState,
        unackedBySender: s.dataEnd() - s.acked(),
        unackedByPeer: r.dataEnd() - r.acked(),
        afterStrayAck: answersStray,
        senderFinFrame: s.finSeen ? (ep.finFrame ?? 0) : 0,
        peerFinFrame: r.finSeen ? (r.ep.finFrame ?? 0) : 0,
        peerFinished: r.finAcked(),
      };
    }
    const stray = conn.strayAck;
    if (answersStray && stray !== null && stray.rstFrame === null) {
      // the stray ACK this RST answers (a later one than the first, when the first drew nothing)
      stray.frame = flow.strayFrame;
      stray.ackBelow = flow.strayBelow;
      stray.rstFrame = frame;
    }
    // the connection is gone: a window still closed stays closed
    endStall(ep, time, frame);
    endStall(r.ep, time, frame);
    if (conn.closedBy === null) {
      conn.closedBy = s.side;
      conn.closeKind = 'rst';
      conn.closeFrame = frame;
    }
    onRstSent(s, frame, time);
    if (live) {
      // nothing more will be retransmitted: what is held goes out now, holes as gaps
      this.flushTracker(s, frame, false);
      this.flushTracker(r, frame, false);
    }
    this.closeOut(flow, time);
  }

  /**
   * Would the receiver take this RST (RFC 9293 §3.10.7, RFC 5961 §3)? In SYN-SENT only with an
   * ACK of its SYN; otherwise when its sequence number is at or near what the receiver expects
   * (we cannot see the exact window, so within RST_ACCEPT_WINDOW).
   */
  private rstAcceptable(s: EndpointTracker, p: DecodedPacket): boolean {
    const r = s.peer;
    if (r.ep.state === 'SYN-SENT') {
      if ((p.flags & ACK) === 0) return false;
      return !r.synSeen || p.ack === ((r.ep.isn! + 1) >>> 0);
    }
    if (s.ackedRel < 0) return true;
    const d = s.rel(p.seq) - s.ackedRel;
    return d >= -1 && d <= RST_ACCEPT_WINDOW;
  }

  /** The listener only wants counts now: drop what is held. */
  private stopDelivery(flow: Flow): void {
    for (const t of [flow.client, flow.server]) {
      if (t.rsm !== null) {
        t.rsm.discard();
        t.rsm = null;
      }
    }
  }
}

/** A flow's lists stop growing when it ends (but for rare late packets), and it may be held for
 *  seconds more: exact-length copies give back what push() reserved (a push onto [] reserves 17
 *  slots, then half as many again), ~1 KB a flow. */
function trimArrays(flow: Flow): void {
  for (const t of [flow.client, flow.server]) {
    if (t.synFrames !== null) t.synFrames = t.synFrames.slice();
    t.cov.trim();
  }
  const events = flow.conn.events;
  for (const k in events) {
    const r = events[k as keyof typeof events]!;
    r.frames = r.frames.slice();
  }
}
