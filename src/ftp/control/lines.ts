// Control-channel line splitter: turns one direction's in-order bytes into lines, across any
// segmentation, with the Telnet layer of RFC 959 §4 peeled off. Lines are collected in a buffer
// shared by all splitters; only a line left unfinished at the end of a segment is kept in one of
// its own (bounded: an overlong line is delivered cut as soon as it passes the cap, flagged, and
// the rest of it up to its line feed is dropped).

import { copyBytes } from '../../tcp/bytes.ts';

/** Telnet command bytes (RFC 854) that FTP control channels may carry. */
export const Telnet = {
  IAC: 255, // interpret as command
  DONT: 254,
  DO: 253,
  WONT: 252,
  WILL: 251,
  SB: 250, //  subnegotiation begins
  IP: 244, //  interrupt process (sent before ABOR, RFC 959 §4.1.3)
  DM: 242, //  data mark (sent as TCP urgent data before ABOR)
  SE: 240, //  subnegotiation ends
} as const;

/** Longest line kept, in bytes; the rest of a longer line is counted and dropped. */
export const DEFAULT_MAX_LINE = 8 * 1024;
/** First size of a line buffer, bytes (doubled as longer lines come). */
const INITIAL_LINE_BUFFER = 256;
/** Subnegotiation bytes skipped before giving up on finding IAC SE (a lost SE must not swallow
 *  the channel). */
const MAX_SUBNEGOTIATION = 256;

export interface ControlLine {
  text: string; //        the line without its CRLF/LF and without Telnet commands
  firstFrame: number; //  frame holding the line's first byte
  firstTime: number; //   capture time of `firstFrame`, seconds
  frame: number; //       frame holding its line feed (a cut line: the frame where it was cut)
  time: number; //        capture time of `frame`, seconds
  wireBytes: number; //   bytes the line took on the wire, Telnet commands and line end included (a cut line: up to the cut)
  overlong: boolean; //   cut: longer than the cap (`text` holds its first cap bytes), or cut()
  interrupt: boolean; //  Telnet IAC IP or IAC DM came before or inside the line (urgent ABOR)
  bareLf: boolean; //     ended by LF alone, not CRLF
  offset: number; //      stream offset of its first byte (NaN when the caller did not say)
}

/** Called per complete line; return false to stop at this line (the caller takes the rest).
 *  Called with `this` the `self` given to feed(): an owner passes a method of its class, shared by
 *  every instance, not a closure made per instance (three per control session were ~0.2 KB). */
export type LineSink = (this: unknown, line: ControlLine) => boolean;

/** Called when the line feed of a line delivered cut arrives (`frame`: the frame holding it), with
 *  `this` the `cutSelf` the splitter was made or taken with. */
export type CutEndSink = (this: unknown, frame: number, wireBytes: number) => void;

/** Says whether data[i..] looks like the start of a line of this direction (a verb, a reply
 *  code): used to pick the thread up again at a segment boundary. */
export type LineStartTest = (data: Buffer, i: number) => boolean;

/** Telnet parser states. */
const TelnetState = {
  text: 0, //       ordinary bytes
  iac: 1, //        just read IAC
  option: 2, //     read IAC WILL/WONT/DO/DONT: the next byte is the option code
  sb: 3, //         inside IAC SB … (skipping)
  sbIac: 4, //      inside a subnegotiation, just read IAC
} as const;

/** The line buffer all splitters share while they are fed (one feed runs at a time; a splitter fed
 *  from a sink call finds the caller between lines, its length 0). Grown on demand up to the
 *  largest `max`. allocUnsafeSlow: a buffer that lives long must not come from Node's shared 8 KiB
 *  pool, whose slab stays alive while any slice of it does. */
let scratch = Buffer.allocUnsafeSlow(INITIAL_LINE_BUFFER);

export class LineSplitter {
  // Current line's text bytes (the first `max` of them). While feed() runs this is the shared
  // scratch buffer, or the splitter's own buffer if a partial line was parked in it; between
  // feeds it is null unless a partial line is parked. A session's lines nearly always end in the
  // segment that carries them, so most splitters hold no buffer: with one per direction of every
  // session, a buffer each came to ~0.9 KB per session (Buffer, ArrayBuffer and backing store).
  private buf: Buffer | null = null;
  private len = 0; //                    bytes in buf
  private wire = 0; //                   wire bytes of the current line so far
  private started = false; //            a byte of the current line has arrived
  private overlong = false; //           current line exceeded `max`
  private interrupt = false; //          IAC IP / IAC DM seen in the current line
  private firstFrame = 0; //             frame of the current line's first byte
  private firstTime = 0; //              its capture time, seconds
  private telnet: number = TelnetState.text; // Telnet parser state
  private sbCount = 0; //                bytes skipped in the current subnegotiation
  private skipping = false; //           after a gap: dropping bytes up to the next LF
  private lastWasCr = false; //          the last text byte was CR (kept even past the cap)
  private binary = false; //             the current line holds control bytes (not text)
  private cutting = false; //            the current line was delivered cut: dropping bytes up to its LF
  private firstOffset = NaN; //          stream offset of the current line's first byte
  private lastFrame = 0; //              frame of the current line's latest byte
  private lastTime = 0; //               its capture time, seconds
  lines = 0; //                          complete lines delivered (since made or taken: takeSplitter)
  overlongLines = 0; //                  of those, cut at the cap
  fragmentsDropped = 0; //               partial lines thrown away at gaps
  telnetCommands = 0; //                 IAC sequences removed (IAC IAC excluded: that is data)

  constructor(
    public max = DEFAULT_MAX_LINE, //                    (set again when taken: takeSplitter)
    private lineStart: LineStartTest | null = null,
    private cutEnd: CutEndSink | null = null,
    private cutSelf: unknown = undefined, //              `this` of cutEnd
  ) {}

  /** True between lines: no byte of a next line has arrived yet. */
  get atLineStart(): boolean {
    return !this.started && !this.skipping && !this.cutting;
  }

  /** Between lines and outside any Telnet command: it holds nothing a new splitter would not
   *  (its counters aside), so it may be given back (giveBackSplitter). */
  get idle(): boolean {
    return !this.started && !this.skipping && !this.cutting && this.telnet === TelnetState.text;
  }

  /** Bytes of an unfinished line held (wire count). */
  get partialBytes(): number {
    return this.wire;
  }

  /** Feeds `data[start..]`; calls `sink` per complete line. Returns the offset just after the
   *  last byte consumed: data.length, or the end of the line at which `sink` returned false.
   *  `streamOffset`: the stream offset of data[start], for ControlLine.offset; `self`: `this` of
   *  `sink`. */
  feed(data: Buffer, start: number, frame: number, time: number, sink: LineSink, streamOffset = NaN, self: unknown = undefined): number {
    if (this.buf === null) this.buf = scratch;
    // Heuristic: "a new line starts at this segment"
    // After a gap, or when the pending partial line is binary junk, a segment that begins like a
    // line of this direction (a known verb, a reply code) is taken as a line start: TCP senders
    // write a command or reply with one send, so lines usually begin segments.
    if ((this.skipping || (this.started && this.binary)) && this.lineStart !== null && this.lineStart(data, start)) {
      if (this.started) this.fragmentsDropped++;
      this.reset();
      this.telnet = TelnetState.text;
      this.skipping = false;
    }
    for (let i = start; i < data.length; i++) {
      const b = data[i]!;
      if (this.skipping) {
        if (b === 0x0a) this.skipping = false;
        continue;
      }
      if (this.cutting) {
        // the rest of a line delivered cut: counted, dropped, its end reported
        this.wire++;
        if (b === 0x0a) {
          this.cutting = false;
          const wire = this.wire;
          this.wire = 0;
          this.cutEnd?.call(this.cutSelf, frame, wire);
        }
        continue;
      }
      if (!this.started) {
        this.started = true;
        this.firstFrame = frame;
        this.firstTime = time;
        this.firstOffset = streamOffset + (i - start);
      }
      this.lastFrame = frame;
      this.lastTime = time;
      if (this.telnet === TelnetState.text && b !== 0x0a && b !== Telnet.IAC && this.len < this.max) {
        // A run of plain text bytes (no line feed, no IAC, within the cap), scanned with locals
        // and copied at once: what put() does byte by byte, without a field write per byte.
        const end = runEnd(data, i, Math.min(data.length, i + (this.max - this.len)));
        const n = end - i;
        while (this.len + n > this.buf!.length) this.grow();
        copyBytes(data, i, this.buf!, this.len, n);
        this.len += n;
        this.wire += n;
        this.lastWasCr = data[end - 1] === 0x0d;
        if (!this.binary && hasControlByte(data, i, end)) this.binary = true;
        i = end - 1;
        continue;
      }
      this.wire++;
      switch (this.telnet) {
        case TelnetState.iac:
          this.telnet = TelnetState.text;
          if (b === Telnet.IAC) {
            this.put(b); // IAC IAC: a literal 0xFF
          } else if (b >= Telnet.WILL && b <= Telnet.DONT) {
            this.telnet = TelnetState.option;
            this.telnetCommands++;
          } else if (b === Telnet.SB) {
            this.telnet = TelnetState.sb;
            this.sbCount = 0;
            this.telnetCommands++;
          } else {
            if (b === Telnet.IP || b === Telnet.DM) this.interrupt = true;
            this.telnetCommands++;
          }
          continue;
        case TelnetState.option:
          this.telnet = TelnetState.text;
          continue;
        case TelnetState.sb:
        case TelnetState.sbIac:
          if (this.telnet === TelnetState.sbIac && b === Telnet.SE) this.telnet = TelnetState.text;
          else this.telnet = b === Telnet.IAC ? TelnetState.sbIac : TelnetState.sb;
          if (++this.sbCount > MAX_SUBNEGOTIATION) this.telnet = TelnetState.text;
          continue;
        default:
          break;
      }
      if (b === Telnet.IAC) {
        this.telnet = TelnetState.iac;
        continue;
      }
      if (b !== 0x0a) {
        this.put(b);
        if (!this.overlong) continue;
        // Past the cap: the line is delivered now, cut. A server answers a line too long for it
        // before its end comes (vsftpd takes its first 4 KiB as a command, pyftpdlib answers 500
        // "Command too long"), and a line that never ends must still be seen.
        const line = this.take(frame, time);
        this.cutting = true;
        this.wire = line.wireBytes;
        if (!sink.call(self, line)) {
          this.park();
          return i + 1;
        }
        continue;
      }
      // line feed: the line is complete
      const cr = this.lastWasCr;
      const line = this.take(frame, time, cr ? this.len - 1 : this.len, cr);
      if (!sink.call(self, line)) {
        this.park();
        return i + 1;
      }
    }
    this.park();
    return data.length;
  }

  /**
   * The unfinished line, delivered now as if cut at the cap (the rest of it, up to its line
   * feed, is dropped and its end reported to the CutEndSink); null without one. For a server
   * that answered the line before its end came (the session calls this).
   */
  cut(): ControlLine | null {
    if (!this.started || this.skipping || this.cutting) return null;
    const line = this.take(this.lastFrame, this.lastTime);
    this.cutting = true;
    this.wire = line.wireBytes;
    if (this.buf !== scratch) this.buf = null; // the parked partial line is spent
    return line;
  }

  /** The current line as a ControlLine (its first `n` text bytes), the splitter reset for the
   *  next one. Without a line feed (`cr` undefined) the line counts as cut. */
  private take(frame: number, time: number, n = this.len, cr?: boolean): ControlLine {
    const cut = cr === undefined;
    const line: ControlLine = {
      text: decodeText(this.buf!, n),
      firstFrame: this.firstFrame,
      firstTime: this.firstTime,
      frame,
      time,
      wireBytes: this.wire,
      overlong: this.overlong || cut,
      interrupt: this.interrupt,
      bareLf: !cut && !cr,
      offset: this.firstOffset,
    };
    this.lines++;
    if (line.overlong) this.overlongLines++;
    this.reset();
    return line;
  }

  /** End of a feed: a partial line moves from the shared scratch into a buffer of its own (the
   *  next splitter fed overwrites the scratch); with no partial line, no buffer is held. */
  private park(): void {
    const buf = this.buf!;
    if (this.len === 0) this.buf = null;
    else if (buf === scratch) {
      const own = Buffer.allocUnsafeSlow(Math.max(this.len, INITIAL_LINE_BUFFER));
      buf.copy(own, 0, 0, this.len);
      this.buf = own;
    }
  }

  private put(b: number): void {
    if (this.len < this.max) {
      if (this.len === this.buf!.length) this.grow();
      this.buf![this.len++] = b;
    } else this.overlong = true;
    this.lastWasCr = b === 0x0d;
    if (isControlByte(b)) this.binary = true;
  }

  private grow(): void {
    const buf = this.buf!;
    const bigger = Buffer.allocUnsafeSlow(Math.min(this.max, buf.length * 2));
    buf.copy(bigger, 0, 0, this.len);
    if (buf === scratch) scratch = bigger;
    this.buf = bigger;
  }

  /** Taken again (takeSplitter): idle, so only its settings and counters change. */
  retake(max: number, lineStart: LineStartTest | null, cutEnd: CutEndSink | null, cutSelf: unknown): void {
    this.max = max;
    this.buf = null; // len is 0: a buffer of its own left by a clear() holds nothing
    this.lineStart = lineStart;
    this.cutEnd = cutEnd;
    this.cutSelf = cutSelf;
    this.lines = 0;
    this.overlongLines = 0;
    this.fragmentsDropped = 0;
    this.telnetCommands = 0;
  }

  private reset(): void {
    this.len = 0;
    this.wire = 0;
    this.started = false;
    this.overlong = false;
    this.interrupt = false;
    this.lastWasCr = false;
    this.binary = false;
  }

  /** Bytes are missing from the stream here: the partial line is lost, and so is whatever
   *  comes before the next line feed (a line's tail cannot be parsed without its head). */
  gap(): void {
    if (this.started) this.fragmentsDropped++;
    this.reset();
    this.telnet = TelnetState.text;
    this.skipping = true;
    this.cutting = false;
  }

  /** Drops any partial line and Telnet state without skipping (the stream changes framing, e.g.
   *  TLS starts or stops). */
  clear(): void {
    if (this.started) this.fragmentsDropped++;
    this.reset();
    this.telnet = TelnetState.text;
    this.skipping = false;
    this.cutting = false;
  }
}

/** Idle splitters given back, for the next one taken: one feed runs at a time, so a few do. */
const spares: LineSplitter[] = [];
const MAX_SPARES = 8;

/**
 * A splitter for one direction of a control connection, made or taken from those given back. A
 * control session holds one only while a line of that direction is unfinished (or Telnet or
 * skipping state is pending) and gives it back when it is idle after a feed: an open connection
 * between its lines holds none (two splitters and their times were ~0.5 KB per connection).
 */
export function takeSplitter(max: number, lineStart: LineStartTest | null, cutEnd: CutEndSink | null, cutSelf?: unknown): LineSplitter {
  const sp = spares.pop();
  if (sp === undefined) return new LineSplitter(max, lineStart, cutEnd, cutSelf);
  sp.retake(max, lineStart, cutEnd, cutSelf);
  return sp;
}

/** Gives back a splitter that is idle (its owner lets go of it). */
export function giveBackSplitter(sp: LineSplitter): void {
  if (sp.idle && spares.length < MAX_SPARES) spares.push(sp);
}

/** End of the run of bytes from `i` (before `limit`) that are neither a line feed nor IAC. */
function runEnd(data: Buffer, i: number, limit: number): number {
  while (i < limit) {
    const b = data[i]!;
    if (b === 0x0a || b === Telnet.IAC) break;
    i++;
  }
  return i;
}

/** A byte that makes a line binary rather than text: a control character other than TAB and CR. */
function isControlByte(b: number): boolean {
  return (b < 0x20 && b !== 0x09 && b !== 0x0d) || b === 0x7f;
}

/** A byte in data[i, end) that makes a line binary (isControlByte). */
function hasControlByte(data: Buffer, i: number, end: number): boolean {
  for (; i < end; i++) if (isControlByte(data[i]!)) return true;
  return false;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Line bytes as text: ASCII as is, valid UTF-8 (RFC 2640 pathnames) decoded, anything else
 *  byte-for-byte as Latin-1 so no byte is lost. */
export function decodeText(buf: Buffer, length: number): string {
  let ascii = true;
  for (let i = 0; i < length; i++) {
    if (buf[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return buf.toString('latin1', 0, length);
  try {
    return utf8.decode(buf.subarray(0, length));
  } catch {
    return buf.toString('latin1', 0, length);
  }
}
