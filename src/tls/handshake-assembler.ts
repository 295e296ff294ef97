// Handshake messages out of handshake-record fragments, for one direction. RFC 8446 §5.1: "
// handshake messages MAY be coalesced into a single TLSPlaintext record or fragmented across
// several records". Each message is
//
//   0b 00 03 2e  00 03 2b …      msg_type(1) length(3) body[length]
//
// A message held whole in one fragment is passed as a view (valid during the call); a split one
// is copied into a buffer of its size. A message longer than MAX_HANDSHAKE_MESSAGE is skipped
// (counted in `tooLarge`), so memory stays bounded.

/** Largest handshake message kept: a certificate chain of a dozen 4 KiB certificates fits. */
export const MAX_HANDSHAKE_MESSAGE = 256 * 1024;

/** Called per message with `this` the assembler's `self` (one function for all, not a closure each). */
export type MessageSink = (this: unknown, type: number, body: Buffer, frame: number, time: number) => void;

/** The body of an empty message (ServerHelloDone, an empty Certificate request context…). */
const EMPTY = Buffer.alloc(0);

export class HandshakeAssembler {
  // The 4-byte header is read into `type` and `length` as it comes, byte by byte (no buffer of
  // its own: one per direction of every TLS connection was ~0.2 KB with its ArrayBuffer)
  private headLen = 0; //   header bytes read
  private type = 0; //      msg_type
  private length = 0; //    body length (uint24)
  private body: Buffer | null = null;
  private filled = 0;
  private skipping = 0; // bytes of an over-long message still to skip
  private inBody = false;
  messages = 0;
  tooLarge = 0;

  constructor(
    private readonly sink: MessageSink,
    private readonly self: unknown = undefined, // `this` of sink
  ) {}

  push(frag: Buffer, frame: number, time: number): void {
    let i = 0;
    while (i < frag.length) {
      if (this.skipping > 0) {
        const n = Math.min(this.skipping, frag.length - i);
        this.skipping -= n;
        i += n;
        continue;
      }
      if (this.inBody) {
        const want = this.length - this.filled;
        const n = Math.min(want, frag.length - i);
        if (this.body === null && n === want && this.filled === 0) {
          this.emit(frag.subarray(i, i + n), frame, time);
          i += n;
          continue;
        }
        const body = (this.body ??= Buffer.allocUnsafe(this.length));
        frag.copy(body, this.filled, i, i + n);
        this.filled += n;
        i += n;
        if (this.filled === this.length) this.emit(body, frame, time);
        continue;
      }
      const b = frag[i++]!;
      if (this.headLen === 0) {
        this.type = b;
        this.length = 0;
      } else this.length = (this.length << 8) | b; // 3 bytes: stays a positive int
      if (++this.headLen < 4) continue;
      this.headLen = 0;
      if (this.length > MAX_HANDSHAKE_MESSAGE) {
        this.tooLarge++;
        this.skipping = this.length;
        continue;
      }
      this.filled = 0;
      this.body = null;
      if (this.length === 0) this.emit(EMPTY, frame, time);
      else this.inBody = true;
    }
  }

  /** Bytes went missing (a capture gap, an undecryptable record): start over at the next fragment. */
  reset(): void {
    this.headLen = 0;
    this.inBody = false;
    this.body = null;
    this.filled = 0;
    this.skipping = 0;
  }

  /** A message is partly read (a fragment boundary fell inside it). */
  get pending(): boolean {
    return this.inBody || this.headLen > 0;
  }

  private emit(body: Buffer, frame: number, time: number): void {
    this.inBody = false;
    this.body = null;
    this.filled = 0;
    this.messages++;
    this.sink.call(this.self, this.type, body, frame, time);
  }
}
