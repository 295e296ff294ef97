// Frame → DecodedPacket: link header, IP, TCP — through any tunnels, label stacks and PPPoE
// sessions on the way (dispatch.ts) — written into one reused record.

import { frameBytes, frameEnd, frameStart, LinkType, type Frame } from '../capture/frame.ts';
import { DecodeCounters } from './counters.ts';
import { dispatchTables, linkDecoders, type DispatchOptions } from './dispatch.ts';
import { DEFAULT_FRAGMENT_LIMITS, FragmentReassembler, type FragmentLimits } from './ip-fragments.ts';
import { LinkLayer, type LinkDecoder, type NetworkContext } from './layers.ts';
import { DecodedPacket, type DecodeOutcome } from './packet.ts';
import { decodeIpv4 } from './ipv4.ts';
import { decodeIpv6 } from './ipv6.ts';
import { EtherType } from './protocol-numbers.ts';

export interface DecoderOptions extends DispatchOptions {
  reassembleFragments?: boolean; // rebuild TCP segments (and tunnel packets) from IP fragments (default true)
  fragmentLimits?: FragmentLimits;
}

export function supportsLinkType(linkType: number): boolean {
  return linkDecoders.has(linkType);
}

export class PacketDecoder {
  readonly packet = new DecodedPacket();
  readonly counters = new DecodeCounters();
  readonly fragments: FragmentReassembler | null;
  private readonly link = new LinkLayer();
  private readonly ctx: NetworkContext;
  // one-entry cache: a capture almost always has a single link type
  private lastLinkType = -1;
  private lastLinkDecoder: LinkDecoder | undefined = undefined;

  constructor(opts: DecoderOptions = {}) {
    this.fragments = opts.reassembleFragments === false ? null : new FragmentReassembler(opts.fragmentLimits ?? DEFAULT_FRAGMENT_LIMITS);
    this.ctx = {
      wireEnd: 0,
      capEnd: 0,
      time: 0,
      fragments: this.fragments,
      tables: dispatchTables(opts),
      depth: 0,
      layer: -1,
      tunnelled: false,
      greFlags: 0,
      link: new LinkLayer(),
    };
  }

  supportsLinkType(linkType: number): boolean {
    return supportsLinkType(linkType);
  }

  /** Decodes one frame into `this.packet` (valid until the next call) and counts the outcome.
   *  Never throws on bad bytes. A reader's frame is decoded where it lies in the reader's chunk
   *  (Frame.buf, Frame.at), without a view of its own: the packet's data is then that chunk and
   *  its offsets are offsets in it. */
  decode(frame: Frame): DecodeOutcome {
    const pkt = this.packet;
    pkt.reset();
    pkt.frame = frame.number;
    pkt.time = frame.time;
    const data = frameBytes(frame);
    pkt.data = data;
    if (this.fragments !== null) this.fragments.frame = frame.number;
    let outcome: DecodeOutcome;
    try {
      outcome = this.decodeLayers(frame, data, frameStart(frame), frameEnd(frame));
    } catch {
      // a decoder bug on hostile bytes (every read is bounds-checked, so this should not happen):
      // count the frame as malformed rather than stopping the whole analysis
      pkt.malformed = 'decoder error';
      outcome = 'malformed';
    }
    this.counters.count(outcome, frame.number, pkt.malformed);
    if (pkt.encapsulations !== 0) this.counters.countEncapsulations(pkt.encapsulations, pkt.faultLayer, outcome);
    const fr = this.fragments;
    if (fr !== null && fr.conflictCount !== this.counters.fragmentConflictCount) {
      this.counters.fragmentConflictCount = fr.conflictCount;
      this.counters.fragmentConflicts = fr.conflicts;
    }
    if (outcome === 'tcp') {
      if (pkt.reassembled) this.counters.reassembled++;
      if (pkt.optionsMalformed) this.counters.optionsMalformed++;
    }
    return outcome;
  }

  /** The frame's bytes are data[at, end). */
  private decodeLayers(frame: Frame, data: Buffer, at: number, end: number): DecodeOutcome {
    if (frame.linkType !== this.lastLinkType) {
      this.lastLinkType = frame.linkType;
      this.lastLinkDecoder = linkDecoders.get(frame.linkType);
    }
    const linkDecoder = this.lastLinkDecoder;
    if (linkDecoder === undefined) {
      this.counters.unsupportedLinkType++;
      return 'not-ip';
    }
    const ctx = this.ctx;
    const capLen = end - at;
    ctx.wireEnd = at + (frame.origLen > capLen ? frame.origLen : capLen);
    ctx.capEnd = end;
    ctx.time = frame.time;
    if (ctx.depth !== 0 || ctx.tunnelled) {
      // the previous frame went through a tunnel (rare enough to test before writing)
      ctx.depth = 0;
      ctx.layer = -1;
      ctx.tunnelled = false;
      ctx.greFlags = 0;
    }
    // Fast path: untagged Ethernet carrying IPv4 or IPv6 (nearly every frame of a real capture)
    // goes straight to the network decoder, without the two table lookups.
    if (frame.linkType === LinkType.ETHERNET && capLen > 14) {
      const type = (data[at + 12]! << 8) | data[at + 13]!;
      if (type === EtherType.IPV4 || type === EtherType.IPV6) {
        return (type === EtherType.IPV4 ? decodeIpv4 : decodeIpv6)(data, at + 14, this.packet, ctx);
      }
    }
    const link = this.link;
    link.etherType = -1;
    if (!linkDecoder(data, at, end, link, this.packet)) return 'truncated';
    const network = ctx.tables.etherTypes.get(link.etherType);
    if (network === undefined) return 'not-ip';
    if (link.offset >= end) return 'truncated';
    return network(data, link.offset, this.packet, ctx);
  }
}
