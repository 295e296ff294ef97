// The shapes the per-protocol decoders share. Each link decoder finds where the network packet
// starts and which EtherType it has; each network decoder fills the DecodedPacket and returns
// the outcome. Everything is written into reused objects: nothing is allocated per frame.

import type { DecodedPacket, DecodeOutcome } from './packet.ts';
import type { FragmentReassembler } from './ip-fragments.ts';

/** Scratch result of a link decoder (one per PacketDecoder, overwritten per frame). */
export class LinkLayer {
  offset = 0; //     byte offset of the network-layer packet in the frame
  etherType = -1; // EtherType of that packet; -1 when it is not one we could name (LLC, unknown AF)
}

/** Returns false when the frame ends inside the link header (truncated). */
export type LinkDecoder = (data: Buffer, out: LinkLayer, pkt: DecodedPacket) => boolean;

/** What a network decoder needs beyond the bytes. */
export interface NetworkContext {
  wireLength: number; //  bytes the frame had on the wire (max of origLen and capLen)
  time: number; //        capture time, seconds (fragment timeouts)
  fragments: FragmentReassembler | null; // null: fragments are counted, not reassembled
}

/** Decodes the network packet at `offset` (and what it carries) into `pkt`. */
export type NetworkDecoder = (data: Buffer, offset: number, pkt: DecodedPacket, ctx: NetworkContext) => DecodeOutcome;
