// Encapsulations the decoder unwraps to reach the packet inside: tunnels of cloud traffic mirrors
// (VXLAN, GENEVE), switch mirrors (GRE, ERSPAN), carrier links (MPLS, PPPoE). Each frame records
// which ones it went through (a bit per kind) and, when a header was malformed or cut short, which
// layer it was; the counters tally both per kind for the report's header.

import type { DecodedPacket, DecodeOutcome } from './packet.ts';
import type { NetworkContext } from './layers.ts';

/** Encapsulation kinds (bit numbers in DecodedPacket.encapsulations). */
export const Encapsulation = {
  VXLAN: 0,
  GENEVE: 1,
  GRE: 2,
  ERSPAN_I: 3,
  ERSPAN_II: 4,
  ERSPAN_III: 5,
  MPLS: 6,
  PW_ETHERNET: 7, //    Ethernet pseudowire over MPLS without a control word (RFC 4448)
  PW_ETHERNET_CW: 8, // … with a control word (RFC 4385)
  PPPOE: 9,
  PPP: 10, //           PPP outside PPPoE (PPTP's enhanced GRE)
  IP_IN_IP: 11, //      IPv4/IPv6 in IPv4/IPv6 (RFC 2003, RFC 2473, 6in4)
} as const;

export type EncapsulationKind = (typeof Encapsulation)[keyof typeof Encapsulation];

/** Id (JSON, tests) and name (reports) of each kind, indexed by kind. */
export const ENCAPSULATION_INFO: ReadonlyArray<{ readonly id: string; readonly name: string }> = [
  { id: 'vxlan', name: 'VXLAN' },
  { id: 'geneve', name: 'GENEVE' },
  { id: 'gre', name: 'GRE' },
  { id: 'erspan-i', name: 'ERSPAN type I' },
  { id: 'erspan-ii', name: 'ERSPAN type II' },
  { id: 'erspan-iii', name: 'ERSPAN type III' },
  { id: 'mpls', name: 'MPLS' },
  { id: 'pw-ethernet', name: 'Ethernet pseudowire' },
  { id: 'pw-ethernet-cw', name: 'Ethernet pseudowire with control word' },
  { id: 'pppoe', name: 'PPPoE' },
  { id: 'ppp', name: 'PPP' },
  { id: 'ip-in-ip', name: 'IP in IP' },
];

export const ENCAPSULATION_KINDS = ENCAPSULATION_INFO.length;

// Nesting depth
// Definition: the most encapsulation layers one frame may pass through before it is called
// malformed. Real stacks are shallow (ERSPAN in GRE carrying an MPLS pseudowire carrying PPPoE is
// four); a crafted frame could nest GRE in GRE a thousand times in 64 KiB, and each layer is a few
// function calls deep. VLAN tags are bounded on their own (ethernet.ts).
export const MAX_ENCAPSULATION_DEPTH = 8;

/** Enters one more layer of `kind`; false (and the frame malformed) when it is one too many. */
export function enterLayer(kind: EncapsulationKind, pkt: DecodedPacket, ctx: NetworkContext): boolean {
  ctx.layer = kind;
  if (ctx.depth >= MAX_ENCAPSULATION_DEPTH) {
    layerMalformed(pkt, ctx, `encapsulations nested deeper than ${MAX_ENCAPSULATION_DEPTH} layers`);
    return false;
  }
  ctx.depth++;
  pkt.encapsulations |= 1 << kind;
  return true;
}

/** The current layer's header contradicts itself: the frame is malformed, and counted against it. */
export function layerMalformed(pkt: DecodedPacket, ctx: NetworkContext, reason: string): DecodeOutcome {
  pkt.malformed = reason;
  pkt.faultLayer = ctx.layer;
  return 'malformed';
}

/** The capture ends inside the current layer's header (snaplen). */
export function layerTruncated(pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome {
  pkt.faultLayer = ctx.layer;
  return 'truncated';
}

/**
 * Checks that `len` header bytes at `off` are there: 'ok' when they are, else the outcome —
 * malformed when the packet itself (per the enclosing lengths) ends before them, truncated when
 * only the capture does.
 */
export function headerFits(off: number, len: number, what: string, pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome | 'ok' {
  if (off + len > ctx.wireEnd) return layerMalformed(pkt, ctx, `${what} header past the end of the packet`);
  if (off + len > ctx.capEnd) return layerTruncated(pkt, ctx);
  return 'ok';
}

/** Narrows the context to a payload ending at `wireEnd` on the wire, inside a tunnel. */
export function enterPayload(ctx: NetworkContext, wireEnd: number): void {
  if (wireEnd < ctx.wireEnd) ctx.wireEnd = wireEnd;
  if (ctx.wireEnd < ctx.capEnd) ctx.capEnd = ctx.wireEnd;
  ctx.tunnelled = true;
}
