// What one analysis produces: the input of every reporter (text, JSON) and of later commands.

import type { CaptureSummary } from '../capture/frame.ts';
import type { Connection } from '../tcp/types.ts';
import type { Session, Transfer } from '../ftp/types.ts';
import type { Finding } from '../diagnose/finding.ts';
import type { RuleRunError } from '../diagnose/evaluate.ts';
import type { DecodeCounts } from '../diagnose/facts.ts';
import type { EncapsulationCount } from '../decode/counters.ts';
import type { ClientLogins } from '../ftp/logins.ts';

export interface DecodeSummary extends DecodeCounts {
  unsupportedLinkType: number; //  frames of a link type without a decoder
  firstMalformed: { frame: number; reason: string } | null;
  encapsulations: EncapsulationCount[]; // tunnels, label stacks, PPPoE the frames came through ([] for none)
}

export interface AnalysisResult {
  capture: CaptureSummary & { decode: DecodeSummary };
  connections: Connection[]; //   in id order
  sessions: Session[];
  transfers: Transfer[];
  findings: Finding[]; //         by severity, then first frame
  ruleErrors: RuleRunError[]; //  rules that failed at run time (reported, not fatal)
  showPasswords: boolean; //      how the result was built (facts redact PASS otherwise)
  logins: ClientLogins[]; //      refused logins per client and server, across sessions (ftp/logins.ts)
  attempts: number[]; //         connections that were attempts to reach an FTP server (ftp/attempts.ts); in a
  //                             streaming analysis each released unit says its own
  /** Streaming analysis (AnalysisOptions.release): the lists above are empty, everything was
   *  handed on as it became final; these are the totals. */
  released?: { connections: number; sessions: number; transfers: number };
}
