// A bounds-checked reader over one TLS structure (RFC 8446 §3: big-endian integers, vectors with
// a 1-, 2- or 3-byte length prefix). Reading past the end throws TlsDecodeError, which the message
// parsers catch and turn into a 'malformed' fact: a parser never reads outside its message.

export class TlsDecodeError extends Error {
  override name = 'TlsDecodeError';
}

export class Cursor {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
    public end = buf.length,
  ) {}

  get left(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) throw new TlsDecodeError(`${what}: needs ${n} bytes, ${this.end - this.pos} left`);
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u24(what = 'u24'): number {
    this.need(3, what);
    const v = (this.buf[this.pos]! << 16) | (this.buf[this.pos + 1]! << 8) | this.buf[this.pos + 2]!;
    this.pos += 3;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  bytes(n: number, what = 'bytes'): Buffer {
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** A vector with a `prefix`-byte length (1, 2 or 3). */
  vec(prefix: 1 | 2 | 3, what = 'vector'): Buffer {
    const n = prefix === 1 ? this.u8(what) : prefix === 2 ? this.u16(what) : this.u24(what);
    return this.bytes(n, what);
  }

  /** A sub-cursor over a vector's contents (and this one moved past it). */
  sub(prefix: 1 | 2 | 3, what = 'vector'): Cursor {
    const b = this.vec(prefix, what);
    return new Cursor(b);
  }
}
