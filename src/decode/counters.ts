// What the decoder saw, for the report's capture section. Each frame lands in exactly one of
// the outcome counters (tcp … truncated), so they sum to `frames`.

import type { DecodeOutcome } from './packet.ts';
import { ENCAPSULATION_INFO, ENCAPSULATION_KINDS } from './encapsulation.ts';
import type { FragmentConflict } from './ip-fragments.ts';

/** Frames that went through one kind of encapsulation (the report's header lists them). */
export interface EncapsulationCount {
  id: string; //        'vxlan', 'gre', 'erspan-iii', 'mpls', 'pw-ethernet-cw', 'pppoe', … (encapsulation.ts)
  name: string; //      'VXLAN', 'ERSPAN type III', …
  frames: number; //    frames that carried it (whatever became of them)
  malformed: number; // … of which its own header was malformed (also in DecodeCounters.malformed)
  truncated: number; // … of which the capture ended inside its header (also in DecodeCounters.truncated)
}

export class DecodeCounters {
  frames = 0; //              frames decoded
  tcp = 0; //                 frames that yielded a TCP segment (a completing fragment included)
  notIp = 0; //               ARP, LLDP, unknown link types, …
  notTcp = 0; //              IP carrying something else (UDP, ICMP, ESP, no next header, …)
  fragments = 0; //           IP fragments that did not complete a TCP segment
  malformed = 0;
  truncated = 0;
  reassembled = 0; //         TCP segments rebuilt from fragments (also counted in tcp)
  unsupportedLinkType = 0; // frames of a link type with no decoder (also counted in notIp)
  optionsMalformed = 0; //    TCP segments whose options were cut short (also counted in tcp)
  firstMalformed: { frame: number; reason: string } | null = null; // the first example
  firstTruncated = 0; //      frame number of the first truncated frame, 0 when none
  // per Encapsulation kind (index): frames through it, and of those malformed / cut in its header
  private readonly encapFrames = new Float64Array(ENCAPSULATION_KINDS);
  private readonly encapMalformed = new Float64Array(ENCAPSULATION_KINDS);
  private readonly encapTruncated = new Float64Array(ENCAPSULATION_KINDS);
  fragmentConflicts: readonly FragmentConflict[] = []; // IP fragments overlapping with other bytes (the first 20)
  fragmentConflictCount = 0; // … all of them

  /** Adds one frame's outcome. */
  count(outcome: DecodeOutcome, frame: number, reason: string | null): void {
    this.frames++;
    switch (outcome) {
      case 'tcp':
        this.tcp++;
        break;
      case 'not-ip':
        this.notIp++;
        break;
      case 'not-tcp':
        this.notTcp++;
        break;
      case 'fragment':
        this.fragments++;
        break;
      case 'malformed':
        this.malformed++;
        if (this.firstMalformed === null) this.firstMalformed = { frame, reason: reason ?? 'malformed' };
        break;
      case 'truncated':
        this.truncated++;
        if (this.firstTruncated === 0) this.firstTruncated = frame;
        break;
    }
  }

  /** Adds the encapsulations a frame went through (DecodedPacket.encapsulations, a bit per kind)
   *  and the one whose header was at fault (faultLayer, -1 for none) for its outcome. */
  countEncapsulations(encapsulations: number, faultLayer: number, outcome: DecodeOutcome): void {
    for (let k = 0; k < ENCAPSULATION_KINDS; k++) if (encapsulations & (1 << k)) this.encapFrames[k]!++;
    if (faultLayer >= 0) {
      if (outcome === 'malformed') this.encapMalformed[faultLayer]!++;
      else if (outcome === 'truncated') this.encapTruncated[faultLayer]!++;
    }
  }

  /** The encapsulations seen, in the order of their kinds (empty for a capture without any). */
  encapsulations(): EncapsulationCount[] {
    const out: EncapsulationCount[] = [];
    for (let k = 0; k < ENCAPSULATION_KINDS; k++) {
      const frames = this.encapFrames[k]!;
      if (frames === 0) continue;
      const { id, name } = ENCAPSULATION_INFO[k]!;
      out.push({ id, name, frames, malformed: this.encapMalformed[k]!, truncated: this.encapTruncated[k]! });
    }
    return out;
  }
}
