// Capture format detection from the first 4 bytes, and a human description of bytes that are
// not a capture (so "not a capture" tells the user what they handed us instead).

export const CaptureFormat = {
  UNKNOWN: 0,
  PCAP_LE_US: 1, //  d4 c3 b2 a1: written by a little-endian host, microseconds
  PCAP_BE_US: 2, //  a1 b2 c3 d4
  PCAP_LE_NS: 3, //  4d 3c b2 a1: nanosecond variant
  PCAP_BE_NS: 4, //  a1 b2 3c 4d
  PCAPNG: 5, //      0a 0d 0d 0a: Section Header Block type (same in both byte orders)
  PCAP_MODIFIED: 6, // 34 cd b2 a1 / a1 b2 cd 34: Kuznetsov's patched libpcap (24-byte records)
} as const;
export type CaptureFormat = (typeof CaptureFormat)[keyof typeof CaptureFormat];

/** Format from the first 4 bytes at `o` (caller guarantees 4 bytes). */
export function detectFormat(b: Buffer, o: number): CaptureFormat {
  const be = ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  switch (be) {
    case 0xd4c3b2a1:
      return CaptureFormat.PCAP_LE_US;
    case 0xa1b2c3d4:
      return CaptureFormat.PCAP_BE_US;
    case 0x4d3cb2a1:
      return CaptureFormat.PCAP_LE_NS;
    case 0xa1b23c4d:
      return CaptureFormat.PCAP_BE_NS;
    case 0x0a0d0d0a:
      return CaptureFormat.PCAPNG;
    case 0x34cdb2a1:
    case 0xa1b2cd34:
      return CaptureFormat.PCAP_MODIFIED;
    default:
      return CaptureFormat.UNKNOWN;
  }
}

/** Well-known leading bytes of files people mistake for captures. */
const KNOWN_PREFIXES: ReadonlyArray<[string, string]> = [
  ['504b0304', 'a ZIP archive'],
  ['1f8b', 'gzip data'],
  ['28b52ffd', 'zstd data'],
  ['425a68', 'bzip2 data'],
  ['fd377a585a00', 'xz data'],
  ['377abcaf271c', 'a 7-Zip archive'],
  ['52617221', 'a RAR archive'],
  ['7f454c46', 'an ELF executable'],
  ['25504446', 'a PDF document'],
  ['736e6f6f7000', 'a Solaris snoop capture (convert it with editcap)'],
  ['00000000', 'zero bytes'],
];

/** "starts with 50 4b 03 04: looks like a ZIP archive" for the first bytes of a non-capture. */
export function describeLeadingBytes(b: Buffer): string {
  const head = b.subarray(0, 4);
  const hex = [...head].map((x) => x.toString(16).padStart(2, '0')).join(' ');
  const full = b.subarray(0, 8).toString('hex');
  let what = '';
  for (const [prefix, name] of KNOWN_PREFIXES) {
    if (full.startsWith(prefix)) {
      what = name;
      break;
    }
  }
  if (what === '' && head.length > 0 && head.every((x) => (x >= 0x20 && x < 0x7f) || x === 9 || x === 10 || x === 13)) {
    what = 'text';
  }
  return `starts with ${hex}${what ? `: looks like ${what}` : ''}`;
}
