// TLS record walker for a control channel after AUTH TLS (RFC 4217): skips whole TLS records
// (RFC 8446 §5.1: type, version, 16-bit length, body) without decrypting anything, so that it can
// notice when the channel goes back to cleartext FTP lines (CCC, RFC 4217 §6; or a client that
// sends its commands in the clear after a TLS close_notify, as in nDPI's ftp-start-tls.pcap).

/** TLS record content types (RFC 8446 §5.1, RFC 6520). */
const MIN_TYPE = 20; // change_cipher_spec
const MAX_TYPE = 24; // heartbeat
/** Longest record body: 2^14 plus the expansion RFC 5246 §6.2.3 allows. */
const MAX_RECORD = 16384 + 2048;

/** A TLS record header at data[i]: content type 20–24, version 3.0–3.4 (SSL 3.0 … TLS 1.3), length
 *  in range. Needs 5 bytes. */
export function isTlsRecordHeader(data: Buffer, i: number): boolean {
  if (i + 5 > data.length) return false;
  const type = data[i]!;
  if (type < MIN_TYPE || type > MAX_TYPE) return false;
  if (data[i + 1] !== 3 || data[i + 2]! > 4) return false;
  const len = (data[i + 3]! << 8) | data[i + 4]!;
  return len > 0 && len <= MAX_RECORD;
}

/** Start of a TLS handshake (what a client sends first after 234, or first on implicit FTPS):
 *  only the first three bytes are tested, so a segment boundary after them does not hide it. */
export function isTlsHandshakeStart(data: Buffer, i: number): boolean {
  return i + 3 <= data.length && data[i] === 0x16 && data[i + 1] === 3 && data[i + 2]! <= 4;
}

// Heuristic: "the channel is back to cleartext FTP"
// At a TLS record boundary, the next bytes are not a TLS record header but the start of an FTP
// line: from the FTP client, three ASCII letters (a verb); from the FTP server, three digits and
// a space or hyphen (a reply code).
export function looksLikeFtpLineStart(data: Buffer, i: number, fromFtpServer: boolean): boolean {
  if (fromFtpServer) {
    if (i + 4 > data.length) return false;
    for (let k = 0; k < 3; k++) {
      const c = data[i + k]!;
      if (c < 0x30 || c > 0x39) return false;
    }
    const s = data[i + 3]!;
    return s === 0x20 || s === 0x2d;
  }
  if (i + 3 > data.length) return false;
  for (let k = 0; k < 3; k++) {
    const c = data[i + k]! | 0x20;
    if (c < 0x61 || c > 0x7a) return false;
  }
  return true;
}

export class TlsRecordWalker {
  private header: Buffer | null = null; // header bytes split across segments (made when first needed)
  private headerLen = 0; //            bytes of a header collected so far
  private bodyLeft = 0; //             bytes of the current record body still to skip
  synced = true; //                    false after a gap or a non-TLS byte: boundaries are unknown
  records = 0; //                      records skipped
  bytes = 0; //                        bytes skipped
  /** Called with each record's content type and body length as its header completes. */
  onRecord: ((type: number, length: number) => void) | null = null;

  constructor(private readonly fromFtpServer: boolean) {}

  /** Skips TLS records in data[start..]. Returns data.length, or the offset where cleartext FTP
   *  resumes (the caller parses lines from there). */
  feed(data: Buffer, start: number): number {
    let i = start;
    if (!this.synced) {
      // lost framing: try again only at a segment's first byte
      if (isTlsRecordHeader(data, i)) this.resync();
      else if (looksLikeFtpLineStart(data, i, this.fromFtpServer)) return i;
      else {
        this.bytes += data.length - i;
        return data.length;
      }
    }
    while (i < data.length) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, data.length - i);
        this.bodyLeft -= n;
        this.bytes += n;
        i += n;
        continue;
      }
      if (this.headerLen === 0) {
        // at a record boundary: TLS goes on, or cleartext resumes, or we lost the thread
        const type = data[i]!;
        if (type < MIN_TYPE || type > MAX_TYPE) {
          if (this.lineStartHere(data, i)) return i;
          this.synced = false;
          this.bytes += data.length - i;
          return data.length;
        }
        if (data.length - i >= 5) {
          if (!isTlsRecordHeader(data, i)) {
            this.synced = false;
            this.bytes += data.length - i;
            return data.length;
          }
          this.bodyLeft = (data[i + 3]! << 8) | data[i + 4]!;
          this.records++;
          this.onRecord?.(type, this.bodyLeft);
          this.bytes += 5;
          i += 5;
          continue;
        }
      }
      // collect a header split across segments
      const header = (this.header ??= Buffer.alloc(5));
      header[this.headerLen++] = data[i++]!;
      this.bytes++;
      if (this.headerLen === 5) {
        this.headerLen = 0;
        if (!isTlsRecordHeader(header, 0)) {
          this.synced = false;
          this.bytes += data.length - i;
          return data.length;
        }
        this.bodyLeft = (header[3]! << 8) | header[4]!;
        this.records++;
        this.onRecord?.(header[0]!, this.bodyLeft);
      }
    }
    return data.length;
  }

  /** Cleartext starts at data[i]: the whole test when 4 bytes are there, else the first byte
   *  (a letter from the client, a digit from the server) — a TLS record never starts so. */
  private lineStartHere(data: Buffer, i: number): boolean {
    if (data.length - i >= 4) return looksLikeFtpLineStart(data, i, this.fromFtpServer);
    const c = data[i]!;
    if (this.fromFtpServer) return c >= 0x31 && c <= 0x36;
    const l = c | 0x20;
    return l >= 0x61 && l <= 0x7a;
  }

  /** Bytes went missing: record boundaries are lost until a segment starts with a header. */
  gap(): void {
    this.synced = false;
    this.headerLen = 0;
    this.bodyLeft = 0;
  }

  private resync(): void {
    this.synced = true;
    this.headerLen = 0;
    this.bodyLeft = 0;
  }
}
