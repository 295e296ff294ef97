// What the decoder saw, for the report's capture section. Each frame lands in exactly one of
// the outcome counters (tcp … truncated), so they sum to `frames`.

import type { DecodeOutcome } from './packet.ts';
import type { FragmentConflict } from './ip-fragments.ts';

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
}
