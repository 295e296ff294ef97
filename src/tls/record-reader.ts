// TLS record reader for one direction of a TCP stream. RFC 8446 §5.1 / RFC 5246 §6.2:
//
//   16 03 01 00 f4  01 00 00 f0 03 03 …      type(1) legacy_version(2) length(2) fragment[length]
//
// Records come split across segments or several to a segment; the reader hands each whole record
// to its sink. A record held whole in one segment is passed as a view into that segment (valid
// during the call only); one split across segments is copied into a buffer of the record's size,
// at most MAX_RECORD_BODY bytes, so memory per direction is bounded by one record.
//
// A gap in the TCP stream (bytes missing from the capture) does not lose the thread when it falls
// inside a record's body: the length in the header says where the next record starts, and the
// damaged record is delivered with `missing` > 0 (its sequence number still counts, which keeps
// decryption of later records possible). A gap over a header loses the record boundaries: the
// reader then waits for a segment that starts with a plausible header (`resyncs` counts them).
//
// Without keys an application_data record's body is never read (only its type, length and
// frames are facts): with `skipAppData` such a body is neither copied nor handed out (a record whole
// in its segment or split across segments is delivered with an empty body).
//
// The first bytes of a client may also be an SSLv2-compatible ClientHello (RFC 5246 §E.2):
//
//   80 2e 01 03 01 00 15 00 00 00 10 …       2-byte length with the high bit set, msg_type 1, version
//
// which is delivered as a record of type SSLV2_CLIENT_HELLO.

/** Largest record body: 2^14 plus the 2048 bytes of expansion TLS 1.2 allows (RFC 5246 §6.2.3);
 *  TLS 1.3 allows 2^14 + 256. A longer length is not TLS (or a record_overflow). */
export const MAX_RECORD_BODY = 16384 + 2048;
/** Pseudo content type for an SSLv2-compatible ClientHello. */
export const SSLV2_CLIENT_HELLO = 0x80;

/** The body of a record whose bytes were not kept (skipAppData). */
const NO_BODY = Buffer.alloc(0);

export interface TlsRecord {
  type: number; //       content type (20–24), or SSLV2_CLIENT_HELLO
  version: number; //    legacy record version, e.g. 0x0303
  body: Buffer; //       the fragment (for SSLv2: the message after the 2-byte header); valid during the call;
  //                     empty for an application_data record when skipAppData
  offset: number; //     stream offset of the record's first header byte
  length: number; //     fragment length from the header
  missing: number; //    bytes of the body lost in a capture gap (0: complete; then body.length === length, except an application_data body skipped as above)
  firstFrame: number; // frame holding the header
  frame: number; //      frame holding the last byte (where the record became whole)
  time: number; //       that frame's time (seconds)
}

/** Called per record with `this` the reader's `self` (an owner passes one function for all its
 *  readers, not a closure per reader). */
export type RecordSink = (this: unknown, r: TlsRecord) => void;

/** A header at data[i] that could start a TLS record: known type, version 3.0–3.4, length in range. */
export function plausibleHeader(data: Buffer, i: number): boolean {
  if (i + 5 > data.length) return false;
  const type = data[i]!;
  if (type < 20 || type > 24) return false;
  if (data[i + 1] !== 3 || data[i + 2]! > 4) return false;
  const len = (data[i + 3]! << 8) | data[i + 4]!;
  return len > 0 && len <= MAX_RECORD_BODY;
}

export type ReaderProblem = 'bad-header' | 'record-too-long' | 'gap-in-header';

export class TlsRecordReader {
  private header: Buffer | null = null; // a header split across segments (made at the first: ~0.2 KB with its ArrayBuffer)
  private headerLen = 0; //          header bytes collected
  private body: Buffer | null = null; // body of a record split across segments
  private bodyLen = 0; //            bytes of `body` filled (including lost ones)
  private missing = 0; //            bytes of the current body lost in gaps
  private recType = 0;
  private recVersion = 0;
  private recLength = 0;
  private recOffset = 0;
  private recFirstFrame = 0;
  private inBody = false; //         header read, body being collected
  private skipBody = false; //       the current body is counted, not kept (skipAppData)
  private atStart = true; //         nothing read yet (an SSLv2 hello may come)
  private tooLong = false; //        the header just refused gave a length over MAX_RECORD_BODY
  synced = true; //                  false after a bad header or a gap over a header
  records = 0; //                    records delivered
  resyncs = 0; //                    times the thread was picked up again after being lost
  bytesLost = 0; //                  stream bytes skipped while out of sync or in gaps
  problem: ReaderProblem | null = null; // why the thread was last lost
  problemOffset = -1; //             stream offset where
  problemFrame = 0;

  constructor(
    private readonly sink: RecordSink,
    private readonly fromClient: boolean,
    private readonly skipAppData = false, // bodies of application_data records are not read (no keys)
    private readonly self: unknown = undefined, // `this` of sink
  ) {}

  /** In-order stream bytes: data[0] is at stream offset `offset`. */
  feed(data: Buffer, offset: number, frame: number, time: number): void {
    let i = 0;
    if (!this.synced) {
      // picked up again only at a segment's first byte, where a sender usually starts a record
      if (!plausibleHeader(data, 0)) {
        this.bytesLost += data.length;
        return;
      }
      this.synced = true;
      this.resyncs++;
    }
    while (i < data.length) {
      if (this.inBody) {
        const want = this.recLength - this.bodyLen;
        const n = Math.min(want, data.length - i);
        if (this.body === null && n === want && this.bodyLen === 0) {
          // the whole body is in this segment: a view, no copy (none for a body not read)
          this.deliver(this.skipBody ? NO_BODY : data.subarray(i, i + n), frame, time);
          i += n;
          continue;
        }
        if (this.skipBody) {
          this.bodyLen += n;
          i += n;
          if (this.bodyLen === this.recLength) this.deliver(NO_BODY, frame, time);
          continue;
        }
        const body = (this.body ??= Buffer.allocUnsafe(this.recLength));
        data.copy(body, this.bodyLen, i, i + n);
        this.bodyLen += n;
        i += n;
        if (this.bodyLen === this.recLength) this.deliver(body, frame, time);
        continue;
      }
      // a header: straight from the segment when it is all there, else collected byte by byte
      if (this.headerLen === 0 && data.length - i >= 5) {
        if (!this.startRecord(data, i, offset + i, frame)) return this.lose(data.length - i, 'bad-header', offset + i, frame);
        i += 5;
        continue;
      }
      const header = (this.header ??= Buffer.alloc(5));
      header[this.headerLen++] = data[i++]!;
      if (this.headerLen === 5) {
        this.headerLen = 0;
        if (!this.startRecord(header, 0, offset + i - 5, frame)) return this.lose(data.length - i, 'bad-header', offset + i - 5, frame);
      }
    }
  }

  /** `length` bytes from stream offset `offset` are missing from the capture. */
  gap(offset: number, length: number, frame: number): void {
    this.atStart = false;
    if (!this.synced) {
      this.bytesLost += length;
      return;
    }
    if (this.inBody) {
      const want = this.recLength - this.bodyLen;
      if (length <= want) {
        // inside the body: the boundary of the next record is still known
        if (this.skipBody) {
          this.bodyLen += length;
          this.missing += length;
          this.bytesLost += length;
          if (this.bodyLen === this.recLength) this.deliver(NO_BODY, frame, 0);
          return;
        }
        const body = (this.body ??= Buffer.allocUnsafe(this.recLength));
        body.fill(0, this.bodyLen, this.bodyLen + length);
        this.bodyLen += length;
        this.missing += length;
        this.bytesLost += length;
        if (this.bodyLen === this.recLength) this.deliver(body, frame, 0);
        return;
      }
    }
    this.lose(length, 'gap-in-header', offset, frame);
  }

  private startRecord(h: Buffer, at: number, streamOffset: number, frame: number): boolean {
    if (this.atStart) {
      this.atStart = false;
      if (this.fromClient && isSslv2ClientHello(h, at)) {
        this.recType = SSLV2_CLIENT_HELLO;
        this.recVersion = (h[at + 3]! << 8) | h[at + 4]!;
        // the 2-byte length covers the message from msg_type on; the 3 bytes read past it are its start
        this.recLength = (((h[at]! & 0x7f) << 8) | h[at + 1]!) - 3;
        if (this.recLength <= 0) return false;
        this.recOffset = streamOffset;
        this.recFirstFrame = frame;
        this.inBody = true;
        this.skipBody = false;
        this.bodyLen = 0;
        this.missing = 0;
        this.body = null;
        return true;
      }
    }
    const type = h[at]!;
    const len = (h[at + 3]! << 8) | h[at + 4]!;
    if (type < 20 || type > 24 || h[at + 1] !== 3 || h[at + 2]! > 4) return false;
    if (len > MAX_RECORD_BODY) {
      this.tooLong = true;
      return false;
    }
    this.recType = type;
    this.recVersion = (h[at + 1]! << 8) | h[at + 2]!;
    this.recLength = len;
    this.recOffset = streamOffset;
    this.recFirstFrame = frame;
    this.bodyLen = 0;
    this.missing = 0;
    this.body = null;
    this.skipBody = this.skipAppData && type === 23; // application_data
    if (len === 0) {
      // an empty record (legal for application data in TLS ≤ 1.2): delivered at once
      this.deliver(NO_BODY, frame, 0);
      return true;
    }
    this.inBody = true;
    return true;
  }

  private deliver(body: Buffer, frame: number, time: number): void {
    this.inBody = false;
    this.records++;
    const r: TlsRecord = {
      type: this.recType,
      version: this.recVersion,
      body,
      offset: this.recOffset,
      length: this.recLength,
      missing: this.missing,
      firstFrame: this.recFirstFrame,
      frame,
      time,
    };
    this.body = null;
    this.bodyLen = 0;
    this.missing = 0;
    this.sink.call(this.self, r);
  }

  private lose(bytes: number, why: ReaderProblem, offset: number, frame: number): void {
    if (why === 'bad-header' && this.tooLong) why = 'record-too-long';
    this.tooLong = false;
    this.synced = false;
    this.inBody = false;
    this.headerLen = 0;
    this.body = null;
    this.bodyLen = 0;
    this.bytesLost += bytes;
    // the latest loss (feed()'s caller looks at it right after)
    this.problem = why;
    this.problemOffset = offset;
    this.problemFrame = frame;
  }
}

/** An SSLv2-framed CLIENT-HELLO (RFC 5246 §E.2): 2-byte length with the top bit set, msg_type 1,
 *  version 3.x (a client that speaks TLS but frames its first hello the old way) or 0.2. */
function isSslv2ClientHello(h: Buffer, at: number): boolean {
  if ((h[at]! & 0x80) === 0 || h[at + 2] !== 1) return false;
  const major = h[at + 3]!;
  const minor = h[at + 4]!;
  return (major === 3 && minor <= 4) || (major === 0 && minor === 2);
}
