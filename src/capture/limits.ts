// What the readers call an "impossible" record length, and why.
//
// Heading: record length sanity
// Definition: a length field is impossible when honouring it would need more memory than any real
// capture uses, or when it contradicts the container it sits in.
//  - classic pcap: libpcap (sf-pcap.c) rejects caplen > max(snaplen, 262144) ("invalid packet
//    capture length"), and Wireshark rejects caplen above the per-link maximum (262144 for
//    Ethernet). Both tolerate caplen > snaplen up to that bound (buggy writers put a too-small
//    snaplen in the header), so we do the same: caplen <= max(snaplen, 256 KiB), the snaplen
//    part clamped to 256 MiB. origLen < caplen is tolerated as both tools do.
//  - pcapng: a block length must be a multiple of 4, at least 12 (and at least the fixed part of
//    its block type), at most 256 MiB (bounds our buffer), and equal the trailing copy.
//    An EPB/PB caplen that does not fit in its block is impossible.
// A file that simply ends inside a record is NOT an error: the capture was cut (Ctrl-C, disk full,
// copy in progress); we stop there and flag it truncated, as Wireshark does with a warning.

/** Hard ceiling for any one record or block, bytes: bounds the reader's memory. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/** libpcap's MAXIMUM_SNAPLEN: a caplen up to this is always accepted in classic pcap, bytes. */
export const PCAP_MAX_SNAPLEN_FLOOR = 262144;

/** Largest acceptable classic-pcap caplen for a header snaplen, bytes. */
export function pcapMaxCapLen(snaplen: number): number {
  return Math.max(Math.min(snaplen, MAX_RECORD_BYTES), PCAP_MAX_SNAPLEN_FLOOR);
}
