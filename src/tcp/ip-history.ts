// Per-endpoint history of the IP and TCP header fields a middlebox cannot easily imitate (TTL,
// IPv4 identification, window), and each connection's longest silence. The engine calls
// noteIpHeaders() once per segment; everything here is O(1) per segment and allocates only when
// an endpoint is first seen, when it sends an RST (at most MAX_RST_SAMPLES kept), and when a
// connection's first silence is recorded. The rings of recent segments live in typed slabs the
// engine owns (RecentRings): a slot is taken when an endpoint first sends and given back when its
// connection ends, so no typed array is made per connection.
//
// Why: a device that forges an RST in a host's name (a firewall rejecting with tcp-reset, an IPS,
// a NAT that lost its state) builds the IP header itself. It sits at another hop count than the
// host, so the TTL seen at the capture point differs; it has its own IP ID counter (Linux's
// REJECT target writes 0) or copies the header of the packet it answers. reset-origin.ts compares
// each RST with what the claimed sender sent otherwise.

import type { DecodedPacket } from '../decode/packet.ts';
import { TcpFlag } from '../decode/packet.ts';
import type { Connection, Endpoint, IpHistory, RstSample } from './types.ts';
import { MAX_RST_SAMPLES, MAX_TTL_VALUES, RECENT_MAX, RECENT_SECONDS } from './types.ts';

/** Largest rise between consecutive IP IDs of one endpoint still taken as its counter moving on
 *  (a host-wide counter advances with the host's other traffic too). */
export const IPID_MAX_STEP = 8192;

/** The lists of an endpoint that has none yet: one frozen empty list for all (lists of their own
 *  per endpoint were ~0.1 KB per connection); further TTLs are replaced by longer copies
 *  (concat), RST samples get a list of their own at the first. */
const NONE: never[] = Object.freeze([]) as unknown as never[];

export function newIpHistory(): IpHistory {
  return {
    ttl: -1,
    moreTtls: NONE,
    ttlSegments: 0,
    ttlOther: 0,
    idCount: 0,
    idZero: 0,
    idLast: -1,
    idFirstTime: 0,
    idLastTime: 0,
    idPlusOne: 0,
    idSmallRise: 0,
    idOtherStep: 0,
    idSame: 0,
    idPlusOneGap: 0,
    idMaxRise: 0,
    idRiseTotal: 0,
    windowMin: -1,
    windowMax: -1,
    lastFrame: 0,
    lastIpId: -1,
    lastWindow: -1,
    resets: NONE,
    resetsDropped: 0,
    awaitingNext: false,
    awaitingLater: false,
    lastAck: -1,
    recentSize: 0,
    recentSlot: 0,
    recentNext: 0,
    recentFilled: 0,
  };
}

/** The connection ended: the rings of recent segments go back to the slabs (only RSTs while it
 *  is live use them). */
export function endIpHistory(rings: RecentRings, conn: Connection): void {
  for (const h of [conn.client.ipHistory, conn.server.ipHistory]) {
    if (h !== undefined && h.recentSize > 0) {
      rings.release(h.recentSize, h.recentSlot);
      h.recentSize = 0;
      h.recentNext = 0;
      h.recentFilled = 0;
    }
  }
}

/** The connection left the engine's table: no segment can reach it any more. Its IP history is
 *  read after that only to judge its RSTs (reset-origin.ts judgeResets, presence.ts), so a
 *  connection without any RST keeps none: ~650 bytes of each ended connection a long session
 *  holds until it is released. */
export function forgetIpHistory(conn: Connection): void {
  const c = conn.client.ipHistory;
  const s = conn.server.ipHistory;
  if ((c?.resets.length ?? 0) + (s?.resets.length ?? 0) > 0) return;
  if (c) conn.client.ipHistory = undefined;
  if (s) conn.server.ipHistory = undefined;
}

/**
 * One segment sent by `s` (its peer `r`) on `conn`. Call before the connection's lastFrame and
 * endTime move to this segment: the silence is measured from them.
 */
export function noteIpHeaders(rings: RecentRings, conn: Connection, s: Endpoint, r: Endpoint, p: DecodedPacket): void {
  // the connection's longest silence (a capture with timestamps going backwards gives gaps < 0: ignored)
  const gap = p.time - conn.endTime;
  if (gap > 0) {
    const sil = conn.longestSilence;
    if (sil === undefined) {
      conn.longestSilence = { seconds: gap, fromFrame: conn.lastFrame, toFrame: p.frame, fromTime: conn.endTime, toTime: p.time };
    } else if (gap > sil.seconds) {
      sil.seconds = gap;
      sil.fromFrame = conn.lastFrame;
      sil.toFrame = p.frame;
      sil.fromTime = conn.endTime;
      sil.toTime = p.time;
    }
  }

  const h = (s.ipHistory ??= newIpHistory());
  const flags = p.flags;
  const ipId = p.ipVersion === 4 ? p.ipId : -1;
  if (flags & TcpFlag.RST) {
    if (h.resets.length < MAX_RST_SAMPLES) {
      const peer = r.ipHistory;
      const sample: RstSample = {
        frame: p.frame,
        time: p.time,
        ttl: p.ttl,
        ipId,
        df: p.dontFragment,
        window: p.window,
        flags,
        prevIpId: h.idLast,
        prevTime: h.idLast >= 0 ? h.idLastTime : 0,
        nextIpId: -1,
        nextTime: 0,
        peerFrame: peer ? peer.lastFrame : 0,
        peerIpId: peer ? peer.lastIpId : -1,
        peerWindow: peer ? peer.lastWindow : -1,
        senderClosed: s.finFrame !== null || s.rstFrame !== null,
        copiedFrame: 0,
        copiedTime: 0,
        ackBefore: h.lastAck,
        laterFrame: 0,
        laterTime: 0,
        laterTtl: 0,
        laterAck: 0,
      };
      if (ipId > 0 && peer !== undefined && peer.recentSize > 0) findCopied(rings, peer, sample, p);
      if (h.resets === NONE) h.resets = [sample];
      else h.resets.push(sample);
      h.awaitingNext = ipId >= 0;
      h.awaitingLater = true;
    } else h.resetsDropped++;
  } else {
    if (flags & TcpFlag.ACK && (flags & TcpFlag.SYN) === 0) {
      // the claimed sender's stack still speaking after an RST in its name
      if (h.awaitingLater) {
        for (const rs of h.resets) {
          if (rs.laterFrame === 0) {
            rs.laterFrame = p.frame;
            rs.laterTime = p.time;
            rs.laterTtl = p.ttl;
            rs.laterAck = p.ack;
          }
        }
        h.awaitingLater = false;
      }
      h.lastAck = p.ack;
    }
    if (ipId > 0 && !conn.ended) {
      if (h.recentSize === 0) {
        h.recentSlot = rings.take(RECENT_MIN);
        h.recentSize = RECENT_MIN;
      }
      remember(rings, h, p);
    }
    // TTL: a few distinct values, and how many segments had one of them
    const ttl = p.ttl;
    if (ttl === h.ttl) h.ttlSegments++;
    else if (h.ttl < 0) {
      h.ttl = ttl;
      h.ttlSegments++;
    } else {
      const more = h.moreTtls;
      let i = 0;
      while (i < more.length && more[i] !== ttl) i++;
      if (i < more.length) h.ttlSegments++;
      else if (1 + more.length < MAX_TTL_VALUES) {
        // a new array of the exact length (concat), not push() nor a spread: either reserves 17 slots
        h.moreTtls = more.concat(ttl);
        h.ttlSegments++;
      } else h.ttlOther++;
    }
    // IP ID sequence (IPv4): zeros apart, rises classified
    if (ipId === 0) h.idZero++;
    else if (ipId > 0) {
      if (h.idLast >= 0) {
        const rise = (ipId - h.idLast) & 0xffff;
        if (rise === 1) {
          h.idPlusOne++;
          h.idRiseTotal += 1;
          if (p.time - h.idLastTime > h.idPlusOneGap) h.idPlusOneGap = p.time - h.idLastTime;
        } else if (rise > 1 && rise <= IPID_MAX_STEP) {
          h.idSmallRise++;
          h.idRiseTotal += rise;
          if (rise > h.idMaxRise) h.idMaxRise = rise;
        } else if (rise === 0) h.idSame++;
        else h.idOtherStep++;
      } else h.idFirstTime = p.time;
      h.idCount++;
      h.idLast = ipId;
      h.idLastTime = p.time;
      if (h.awaitingNext) {
        for (const rs of h.resets) {
          if (rs.nextIpId < 0 && rs.ipId >= 0) {
            rs.nextIpId = ipId;
            rs.nextTime = p.time;
          }
        }
        h.awaitingNext = false;
      }
    }
    if ((flags & TcpFlag.SYN) === 0) {
      const w = p.window;
      if (h.windowMin < 0 || w < h.windowMin) h.windowMin = w;
      if (w > h.windowMax) h.windowMax = w;
    }
  }
  h.lastFrame = p.frame;
  h.lastIpId = ipId;
  h.lastWindow = p.window;
}

// ---- recent segments: what an RST may have copied

/** Entries a ring starts with: a slow connection (a control connection between commands) never
 *  fills more; 8 were 0.13 KB more per endpoint, the rings' share of an open connection. */
const RECENT_MIN = 4;

/**
 * The rings of every live endpoint, by size (4, 8, 16, 32, 64 entries of 4 numbers): one
 * Float64Array per size holding its rings side by side, and the slots given back for reuse. A
 * typed array per endpoint cost two objects and a backing store each (~0.3 KB with the ring,
 * allocated and collected per connection); the slabs grow by doubling and keep their size (they
 * follow the most connections open at once).
 */
export class RecentRings {
  private readonly slabs: Float64Array[] = [];
  private readonly used: number[] = []; //   slots ever handed out, per size
  private readonly free: number[][] = []; // slots given back, per size

  /** The slab of rings of `size` entries (ring `slot` starts at slot * size * 4). */
  slab(size: number): Float64Array {
    return this.slabs[sizeClass(size)]!;
  }

  /** A fresh ring of `size` entries: its slot. */
  take(size: number): number {
    const c = sizeClass(size);
    const free = (this.free[c] ??= []);
    let slot = free.pop();
    if (slot === undefined) {
      slot = this.used[c] ?? 0;
      this.used[c] = slot + 1;
      const slab = this.slabs[c];
      const need = (slot + 1) * size * 4;
      if (slab === undefined || slab.length < need) {
        const grown = new Float64Array(Math.max(need, 2 * (slab?.length ?? 0), 16 * size * 4));
        if (slab !== undefined) grown.set(slab);
        this.slabs[c] = grown;
      }
    }
    return slot;
  }

  release(size: number, slot: number): void {
    this.free[sizeClass(size)]!.push(slot);
  }

  /** Bytes of the slabs (what the rings hold, free slots included). */
  get bytes(): number {
    let n = 0;
    for (const s of this.slabs) if (s !== undefined) n += s.byteLength;
    return n;
  }
}

function sizeClass(size: number): number {
  return 31 - Math.clz32(size / RECENT_MIN);
}

/** Appends segment `p`. The ring grows by doubling up to RECENT_MAX entries, but only while the
 *  entry it would overwrite is still within RECENT_SECONDS of `p`: an older one can never be
 *  the segment a later RST copied (findCopied stops at the first entry that old), so a
 *  connection that sends a segment a second keeps the 4-entry ring it started with, and one
 *  whose newest entry is already that old starts over in a 4-entry ring. */
function remember(rings: RecentRings, r: IpHistory, p: DecodedPacket): void {
  const time = p.time;
  let cap = r.recentSize;
  let sl = rings.slab(cap);
  let base = r.recentSlot * cap * 4;
  if (r.recentFilled > 0 && time - sl[base + ((r.recentNext + cap - 1) % cap) * 4]! > RECENT_SECONDS) {
    // every entry is stale
    if (cap > RECENT_MIN) {
      rings.release(cap, r.recentSlot);
      r.recentSlot = rings.take(RECENT_MIN);
      r.recentSize = cap = RECENT_MIN;
      sl = rings.slab(cap);
      base = r.recentSlot * cap * 4;
    }
    r.recentNext = 0;
    r.recentFilled = 0;
  } else if (r.recentFilled === cap && cap < RECENT_MAX && time - sl[base + r.recentNext * 4]! <= RECENT_SECONDS) {
    // full of entries that still count: copy them oldest first into a ring twice as large
    const grownSlot = rings.take(cap * 2);
    const to = rings.slab(cap * 2); // (taking may have grown that slab: read the old one after)
    const from = rings.slab(cap);
    const at = grownSlot * cap * 2 * 4;
    to.set(from.subarray(base + r.recentNext * 4, base + cap * 4), at);
    to.set(from.subarray(base, base + r.recentNext * 4), at + (cap - r.recentNext) * 4);
    rings.release(cap, r.recentSlot);
    r.recentSize = cap = cap * 2;
    r.recentSlot = grownSlot;
    r.recentNext = r.recentFilled;
    sl = to;
    base = at;
  }
  const i = base + r.recentNext * 4;
  const flags = p.flags;
  sl[i] = time;
  sl[i + 1] = p.frame * 65536 + p.ipId;
  sl[i + 2] = flags & TcpFlag.ACK ? p.ack : -1;
  sl[i + 3] = (p.seq + p.segmentLength + (flags & TcpFlag.SYN ? 1 : 0) + (flags & TcpFlag.FIN ? 1 : 0)) >>> 0;
  r.recentNext = r.recentNext + 1 === cap ? 0 : r.recentNext + 1;
  if (r.recentFilled < cap) r.recentFilled++;
}

/**
 * Heuristic: the segment a forged RST turned around
 *   An injector builds its RST from the packet it answers: the IP ID copied, the RST's sequence
 *   number that packet's acknowledgment (RFC 9293 §3.10.7.1: <SEQ=SEG.ACK><CTL=RST>), or with ACK
 *   set its acknowledgment that packet's end. Seen from a capture point one round trip away, the
 *   answered packet is not the peer's latest: the peer went on sending for an RTT. So every
 *   recent segment of the peer (newest first, up to RECENT_SECONDS back) is a candidate; one whose
 *   ID equals the RST's and whose numbers it answers is the copy.
 */
function findCopied(rings: RecentRings, r: IpHistory, rs: RstSample, p: DecodedPacket): void {
  const sl = rings.slab(r.recentSize);
  const cap = r.recentSize;
  const base = r.recentSlot * cap * 4;
  const hasAck = (p.flags & TcpFlag.ACK) !== 0;
  for (let k = 1; k <= r.recentFilled; k++) {
    const i = base + ((r.recentNext - k + cap) % cap) * 4;
    const t = sl[i]!;
    if (rs.time - t > RECENT_SECONDS) return;
    const tag = sl[i + 1]!;
    if (tag % 65536 !== rs.ipId) continue;
    if (p.seq === sl[i + 2] || (hasAck && p.ack === sl[i + 3])) {
      rs.copiedFrame = Math.floor(tag / 65536);
      rs.copiedTime = t;
      return;
    }
  }
}
