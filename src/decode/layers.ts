// The shapes the per-protocol decoders share. Each link decoder finds where the network packet
// starts and which EtherType it has; each payload decoder (IP, a tunnel, a label stack, …) reads
// its header at an offset, fills the DecodedPacket and hands what it carries to the next decoder
// through the dispatch tables, returning the outcome. Everything is written into reused objects:
// nothing is allocated per frame.

import type { DecodedPacket, DecodeOutcome } from './packet.ts';
import type { FragmentReassembler } from './ip-fragments.ts';

/** Scratch result of a link decoder (one per PacketDecoder, overwritten per frame). */
export class LinkLayer {
  offset = 0; //     byte offset of the network-layer packet in the data (as `at`, not from the frame's start)
  etherType = -1; // EtherType of that packet; -1 when it is not one we could name (LLC, unknown AF)
}

/** Decodes the link header of the frame data[at, end) (the reader's chunk and the frame's place in
 *  it). Returns false when the frame ends inside the link header (truncated). */
export type LinkDecoder = (data: Buffer, at: number, end: number, out: LinkLayer, pkt: DecodedPacket) => boolean;

/**
 * Decodes the header at `offset` (and what it carries) into `pkt`. The bytes it may use end at
 * ctx.wireEnd (on the wire) and ctx.capEnd (captured); a decoder handing on a payload narrows both
 * to that payload first.
 */
export type PayloadDecoder = (data: Buffer, offset: number, pkt: DecodedPacket, ctx: NetworkContext) => DecodeOutcome;

/** A network-layer decoder (IPv4, IPv6, MPLS, PPPoE): the same shape. */
export type NetworkDecoder = PayloadDecoder;

/** Number → decoder tables (built in dispatch.ts, one set per PacketDecoder). */
export interface DispatchTables {
  etherTypes: ReadonlyMap<number, PayloadDecoder>; //      link layer, inner Ethernet frames, pseudowires
  greProtocols: ReadonlyMap<number, PayloadDecoder>; //    GRE protocol type (EtherType space + TEB, ERSPAN, PPP)
  geneveProtocols: ReadonlyMap<number, PayloadDecoder>; // GENEVE protocol type (EtherType space + TEB)
  ipProtocols: ReadonlyMap<number, PayloadDecoder>; //     IP protocol / next header other than TCP
  udpPorts: ReadonlyMap<number, PayloadDecoder>; //        UDP tunnels by port (destination first, then source)
  udpTunnelPort: Uint8Array; //                             1 at each port of udpPorts: most UDP is passed over on two reads
  pppProtocols: ReadonlyMap<number, PayloadDecoder>; //    PPP protocol field (PPPoE, PPTP)
}

/** What a payload decoder needs beyond the bytes: bounds, tables and per-frame scratch. One per
 *  PacketDecoder, reset for each frame. */
export interface NetworkContext {
  wireEnd: number; //      end of the current packet on the wire, as an offset in data (a frame: at + max of origLen and capLen)
  capEnd: number; //       end of its captured bytes (<= data.length)
  time: number; //         capture time, seconds (fragment timeouts)
  fragments: FragmentReassembler | null; // null: fragments are counted, not reassembled
  tables: DispatchTables;
  depth: number; //        encapsulation layers entered in this frame (bounded: encapsulation.ts)
  layer: number; //        Encapsulation kind of the innermost layer entered, -1 before any
  tunnelled: boolean; //   inside a tunnel: an inner length past the outer payload is a mirror's cut
  greFlags: number; //     flags/version word of the enclosing GRE header (ERSPAN tells type I by it)
  link: LinkLayer; //      scratch for Ethernet frames carried inside a tunnel
}
