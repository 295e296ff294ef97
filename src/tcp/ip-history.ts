// Per-endpoint history of the IP and TCP header fields a middlebox cannot easily imitate (TTL,
// IPv4 identification, window), and each connection's longest silence. The engine calls
// noteIpHeaders() once per segment; everything here is O(1) per segment and allocates only when
// an endpoint is first seen, when it sends an RST (at most MAX_RST_SAMPLES kept), and when a
// connection's first silence is recorded.
//
// Why: a device that forges an RST in a host's name (a firewall rejecting with tcp-reset, an IPS,
// a NAT that lost its state) builds the IP header itself. It sits at another hop count than the
// host, so the TTL seen at the capture point differs; it has its own IP ID counter (Linux's
// REJECT target writes 0) or copies the header of the packet it answers. reset-origin.ts compares
// each RST with what the claimed sender sent otherwise.

import type { DecodedPacket } from '../decode/packet.ts';
import { TcpFlag } from '../decode/packet.ts';
import type { Connection, Endpoint, IpHistory, RstSample } from './types.ts';
import { MAX_RST_SAMPLES, MAX_TTL_VALUES } from './types.ts';

/** Largest rise between consecutive IP IDs of one endpoint still taken as its counter moving on
 *  (a host-wide counter advances with the host's other traffic too). */
export const IPID_MAX_STEP = 8192;

export function newIpHistory(): IpHistory {
  return {
    ttls: [],
    ttlCounts: [],
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
    resets: [],
    resetsDropped: 0,
    awaitingNext: false,
  };
}

/**
 * One segment sent by `s` (its peer `r`) on `conn`. Call before the connection's lastFrame and
 * endTime move to this segment: the silence is measured from them.
 */
export function noteIpHeaders(conn: Connection, s: Endpoint, r: Endpoint, p: DecodedPacket): void {
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
      };
      h.resets.push(sample);
      h.awaitingNext = ipId >= 0;
    } else h.resetsDropped++;
  } else {
    // TTL: a few distinct values with their counts
    const ttl = p.ttl;
    const ttls = h.ttls;
    let i = 0;
    while (i < ttls.length && ttls[i] !== ttl) i++;
    if (i < ttls.length) h.ttlCounts[i]!++;
    else if (ttls.length < MAX_TTL_VALUES) {
      // new arrays of the exact length (concat), not push() nor a spread: either reserves 17
      // slots, and two such arrays per endpoint were ~4 MB of the heap with 6,000 flows held
      h.ttls = ttls.concat(ttl);
      h.ttlCounts = h.ttlCounts.concat(1);
    } else h.ttlOther++;
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
