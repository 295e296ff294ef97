// Strings kept for the length of a session without a heap object each: a long session's commands
// (command-columns.ts) keep their arguments, paths and reply texts here. A string is a handle (a
// number); its characters lie in chunks of bytes (Latin-1 when every code unit fits a byte, else
// UTF-16, so that any JavaScript string comes back exactly). Short strings that repeat (verbs,
// working directories, addresses, "Transfer complete.") are kept once, up to a bound.

/** Bytes per chunk at most (the first chunks are smaller, each twice the last, so that a session
 *  that keeps a few strings holds a few KiB); a longer string gets a chunk of its own. */
const CHUNK = 256 * 1024;
const FIRST_CHUNK = 4096;
/** Strings up to this many code units are looked up among those kept once. */
const SHARED_LENGTH = 48;
/** Distinct short strings kept once at most; later ones go to the chunks like any other. */
const MAX_SHARED = 4096;

/** The handle of null (a field that may be null stores it as a string). */
export const NULL_TEXT = -1;

export class TextArena {
  private readonly chunks: Buffer[] = [];
  private filling = -1; //  the chunk being filled (-1: none yet)
  private used = 0; //      its bytes used
  // per arena string: its chunk, offset and length in code units (negative: UTF-16)
  private spans = new Int32Array(3 * 256);
  private count = 0;
  private readonly shared = new Map<string, number>(); // short string → its handle
  private readonly sharedTexts: string[] = []; //        by -(handle + 2)

  /** The handle of `s` (NULL_TEXT for null). */
  put(s: string | null): number {
    if (s === null) return NULL_TEXT;
    if (s.length <= SHARED_LENGTH) {
      const h = this.shared.get(s);
      if (h !== undefined) return h;
      if (this.sharedTexts.length < MAX_SHARED) {
        const handle = -(this.sharedTexts.push(s) + 1);
        this.shared.set(s, handle);
        return handle;
      }
    }
    return this.putSpan(s);
  }

  get(h: number): string {
    if (h < 0) return this.sharedTexts[-h - 2]!;
    const at = 3 * h;
    const chunk = this.chunks[this.spans[at]!]!;
    const start = this.spans[at + 1]!;
    const len = this.spans[at + 2]!;
    return len >= 0 ? chunk.toString('latin1', start, start + len) : chunk.toString('utf16le', start, start - 2 * len);
  }

  /** `get` for a handle that may be NULL_TEXT. */
  getOrNull(h: number): string | null {
    return h === NULL_TEXT ? null : this.get(h);
  }

  /** Bytes held (chunks and the span table), for tests and measurements. */
  get bytes(): number {
    let n = this.spans.byteLength;
    for (const c of this.chunks) n += c.length;
    return n;
  }

  private putSpan(s: string): number {
    let narrow = true;
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 0xff) {
        narrow = false;
        break;
      }
    }
    const size = narrow ? s.length : 2 * s.length;
    let chunkIndex: number;
    let start = 0;
    if (size > CHUNK) {
      // longer than a chunk: a chunk of its own (the one being filled goes on being filled)
      chunkIndex = this.chunks.push(Buffer.allocUnsafeSlow(size)) - 1;
    } else {
      if (this.filling < 0 || this.used + size > this.chunks[this.filling]!.length) {
        const last = this.filling < 0 ? FIRST_CHUNK / 2 : this.chunks[this.filling]!.length;
        this.filling = this.chunks.push(Buffer.allocUnsafeSlow(Math.max(size, Math.min(CHUNK, 2 * last)))) - 1;
        this.used = 0;
      }
      chunkIndex = this.filling;
      start = this.used;
      this.used += size;
    }
    const chunk = this.chunks[chunkIndex]!;
    if (narrow) chunk.write(s, start, size, 'latin1');
    else chunk.write(s, start, size, 'utf16le');
    if (3 * (this.count + 1) > this.spans.length) {
      const grown = new Int32Array(this.spans.length * 2);
      grown.set(this.spans);
      this.spans = grown;
    }
    const at = 3 * this.count;
    this.spans[at] = chunkIndex;
    this.spans[at + 1] = start;
    this.spans[at + 2] = narrow ? s.length : -s.length;
    return this.count++;
  }
}
