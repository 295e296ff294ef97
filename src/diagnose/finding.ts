// A finding as every reporter sees it. What a finding *means* (title, explanation, what to do,
// references) is written once, in its rule under rules/; this is the evaluated instance.

export type Severity = 'error' | 'warning' | 'info';
export const severityRank: Readonly<Record<Severity, number>> = { error: 3, warning: 2, info: 1 };

/** The severities with a non-zero count. */
export function severitiesPresent(counts: Readonly<Record<Severity, number>>): Set<Severity> {
  return new Set((Object.keys(counts) as Severity[]).filter((k) => counts[k] > 0));
}

/** What a finding's ladder shows besides the packets, as its rule declares (`ladder:`):
 *  'ip-ttl-id': the IP TTL and ID of every packet from the sender each cited RST claims to come
 *  from, the RST included (the evidence of a forged RST). */
export const LADDER_EXTRAS = ['ip-ttl-id'] as const;
export type LadderExtra = (typeof LADDER_EXTRAS)[number];

export interface Finding {
  id: string; //              the rule id: stable kebab-case, a contract with JSON, rules and tests
  severity: Severity;
  title: string; //           from the rule
  summary: string; //         one line about this instance, with numbers and frames
  explanation: string; //     what it means (from the rule, placeholders filled)
  causes?: string[]; //       likely causes (from the rule)
  action: string; //          what to do (from the rule)
  references: string[]; //    RFC sections etc.
  frames: number[]; //        Wireshark frame numbers that prove it, ascending
  connection: number | null; // Connection.id it is about
  session: number | null; //   Session.id
  transfer: number | null; //  Transfer.id
  ladder?: readonly LadderExtra[]; // from the rule; absent when it declares none
}
