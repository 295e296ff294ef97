// Rebuilds each transfer's data as a file (`analyze --extract DIR`), in a second pass over the
// capture (packet-replay.ts selects the data connections' frames the analysis identified).
//
// Each data segment the sender put in the capture is written at its stream offset with a
// positioned write: the file on disk is the reassembly buffer, so nothing is held in memory but
// the list of ranges written (byte-ranges.ts), and a segment arriving out of order or retransmitted
// needs no queue. Only bytes not yet written are written (the first copy wins). Missing ranges are
// left as zeros and listed in the manifest as holes, never filled silently. A file is finished
// (cut to length, hashed, closed) once the pass is past its data connection's last frame.
//
// What a file holds:
//  - a transfer whose data connection ended by RST: the bytes the receiver acknowledged (what a
//    server that keeps partial uploads holds; for a download, what reached the client), with the
//    rest of what was sent counted in the manifest;
//  - otherwise every byte the sender sent;
//  - at most `perFile` bytes, and the files together at most `total`: a file reserves its share
//    of the total when its first byte comes (up to its expected end), so each file is either
//    within its reservation or cut at it, never written in a patchwork.
// TYPE A and MODE B/C data is written as it crossed the wire (the manifest says so).

import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { Side } from '../../tcp/types.ts';
import type { ReplayConsumer, ReplayPacket, ReplaySelection } from '../packet-replay.ts';
import { outputWriteError, OutputWriteError } from '../output-error.ts';
import { ByteRanges } from './byte-ranges.ts';
import { extractedFileName } from './file-name.ts';
import type { PlannedTransfer } from './plan.ts';
import { TlsPlaintextFeed, type ExtractTls } from './tls-decrypt.ts';

export interface ExtractLimits {
  perFile: number; // bytes written for one transfer
  total: number; //   bytes written for all of them
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = { perFile: 1024 ** 3, total: 4 * 1024 ** 3 };

/** Files kept open at once; the least recently written is closed (and reopened if needed). */
const MAX_OPEN_FILES = 64;
/** Holes listed per file in the manifest (all are counted). */
export const MAX_LISTED_HOLES = 1000;
/** Bytes read at a time to finish a hash. */
const HASH_CHUNK = 1 << 20;

/** The file-system calls the extractor makes (tests inject faults). */
export interface ExtractFs {
  open(path: string, flags: number): number;
  write(fd: number, buf: Buffer, offset: number, length: number, position: number): number;
  read(fd: number, buf: Buffer, offset: number, length: number, position: number): number;
  truncate(fd: number, length: number): void;
  close(fd: number): void;
}

export const nodeFs: ExtractFs = {
  open: (p, flags) => fs.openSync(p, flags, 0o644),
  write: (fd, b, o, l, pos) => fs.writeSync(fd, b, o, l, pos),
  read: (fd, b, o, l, pos) => fs.readSync(fd, b, o, l, pos),
  truncate: (fd, l) => fs.ftruncateSync(fd, l),
  close: (fd) => fs.closeSync(fd),
};

const { O_WRONLY, O_RDONLY, O_CREAT, O_TRUNC } = fs.constants;
// a symbolic link planted where a file will be written is not followed
const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/** Why a file ends before the transfer's data did. */
export type CutReason = 'rst' | 'capture-ended' | 'snaplen' | 'not-captured' | 'short' | 'reply' | 'extract-max' | 'capture-began';

/** Bytes [from, to) of a file the capture lacks (zeros in the file). 'snaplen': frames carried
 *  them but the capture kept only their start; 'not-captured': no frame with them was captured;
 *  'not-decrypted': (FTPS with --keylog) their TLS records did not decrypt, or were not captured. */
export interface Hole {
  from: number;
  to: number;
  reason: 'snaplen' | 'not-captured' | 'not-decrypted';
}

/** Everything the manifest says about one transfer's file. */
export interface ExtractedFile {
  plan: PlannedTransfer;
  file: string | null; //          name in the directory; null when nothing was written
  notWritten: string | null; //    why not, when file is null
  written: number; //              bytes in the file (holes included)
  sha256: string | null;
  end: number; //                  where the file should end: bytes sent, or acknowledged for an RST
  cut: { offset: number; reason: CutReason; frame: number | null; text: string } | null;
  holes: Hole[]; //                 missing ranges, at most MAX_LISTED_HOLES
  holeCount: number; //            all of them
  holeBytes: number;
  holesSaturated: boolean; //      more disjoint ranges than tracked: holes past a point not listed
  unconfirmed: string | null; //   the data looks complete but nothing confirms it (why), else null
  notes: string[];
}

class FileState {
  fd: number | null = null;
  created = false;
  limit = -1; //                      bytes this file may hold (set at its first byte)
  limitedBy: 'file' | 'total' | null = null;
  readonly ranges = new ByteRanges(); // bytes written
  readonly snapCut = new ByteRanges(); // bytes frames carried but the capture's snaplen cut off
  readonly undecrypted = new ByteRanges(); // (FTPS) plaintext whose records did not decrypt
  tls: TlsPlaintextFeed | null = null; // (FTPS with --keylog) the data connection read through TLS
  private sha: Hash | null = null; //  made at the first byte: a capture of 10^5 transfers holds
  //                                   this state for each of them at once
  hashedTo = 0; //                    bytes [0, hashedTo) are in the hash

  get hash(): Hash {
    return (this.sha ??= createHash('sha256'));
  }

  /** Starts the hash again (from byte 0). */
  rehash(): void {
    this.sha = createHash('sha256');
    this.hashedTo = 0;
  }
  done = false;

  constructor(
    readonly plan: PlannedTransfer,
    readonly name: string,
    readonly sender: Side,
    readonly end: number, //          bytes the file should hold (see ExtractedFile.end)
    readonly lastFrame: number,
  ) {}
}

export class TransferExtractor implements ReplayConsumer {
  readonly selections: ReplaySelection[] = [];
  private readonly byConn = new Map<number, FileState>();
  private readonly results = new Map<number, ExtractedFile>(); // by transfer id
  private readonly order: PlannedTransfer[];
  private readonly pending: FileState[]; //   by last frame, finished in that order
  private next = 0; //                       first of `pending` not finished
  private readonly open = new Map<FileState, true>(); // files with an fd, least recent first
  private reserved = 0; //                   bytes of the total promised to files so far
  written = 0; //                            bytes written to files

  constructor(
    private readonly dir: string,
    plan: readonly PlannedTransfer[],
    private readonly limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS,
    private readonly io: ExtractFs = nodeFs,
    private readonly tls: ExtractTls | null = null, // --keylog: decrypted data connections are decrypted again
  ) {
    this.order = [...plan];
    const states: FileState[] = [];
    for (const p of plan) {
      const why = notWrittenReason(p, tls !== null);
      if (why !== null) {
        this.results.set(p.transfer, emptyResult(p, why));
        continue;
      }
      const d = p.data!;
      if (this.byConn.has(d.conn.id)) {
        this.results.set(p.transfer, emptyResult(p, `its data connection is transfer ${this.byConn.get(d.conn.id)!.plan.transfer}'s`));
        continue;
      }
      const state = new FileState(p, extractedFileName(p.session, p.transfer, p.command, p.argument), d.sender, fileEnd(p), d.conn.lastFrame);
      if (p.decrypted && tls) state.tls = this.plaintextFeed(state, tls, p.decrypted.tlsClient);
      this.byConn.set(d.conn.id, state);
      states.push(state);
      this.selections.push({ connection: d.conn, fromFrame: d.conn.firstFrame, toFrame: d.conn.lastFrame });
    }
    this.pending = states.sort((a, b) => a.lastFrame - b.lastFrame);
  }

  /** A segment of a selected data connection (the replay's consumer interface). */
  push(p: ReplayPacket): void {
    const f = this.byConn.get(p.conn);
    if (f === undefined || f.done || (p.from !== f.sender && f.tls === null)) return;
    // an RST's payload is a diagnostic text (RFC 9293 §3.5.3), not stream data; the analysis
    // does not count it either
    if (p.flags & 0x04 || p.len === 0) return;
    // relative sequence numbers count the SYN as 1: the first data byte is at 1 (the offset form,
    // unwrapped past 2^32, so a file over 4 GiB keeps its offsets)
    const at = p.seqOffset - 1 + (p.flags & 0x02 ? 1 : 0);
    // FTPS: both sides' TLS records go through TLS; the plaintext comes back through writeAt
    if (f.tls) return f.tls.segment(p.from, at, p.payload, p.frame, p.time);
    const got = p.payload.length;
    if (got < p.len) f.snapCut.add(Math.max(0, at + got), at + p.len);
    if (got === 0) return;
    this.writeAt(f, p.payload, at);
  }

  /** The data's bytes `payload` at file offset `at`, within the file's end and its bound. */
  private writeAt(f: FileState, payload: Buffer, at: number): void {
    const got = payload.length;
    const from = Math.max(0, at);
    let to = Math.min(at + got, f.end);
    if (to <= from) return;
    if (f.limit < 0) this.reserve(f);
    to = Math.min(to, f.limit);
    if (to <= from) return;
    f.ranges.add(from, to, (s, e) => this.write(f, payload, s - at, s, e - s));
  }

  /** The TLS reader of a decrypted data connection, writing the sender's plaintext. */
  private plaintextFeed(f: FileState, tls: ExtractTls, tlsClient: Side): TlsPlaintextFeed {
    const sender: Side = f.plan.sender ?? (f.sender === tlsClient ? 'client' : 'server');
    return new TlsPlaintextFeed(tls, tlsClient, sender, {
      data: (buf, offset) => this.writeAt(f, buf, offset),
      gap: (offset, length) => f.undecrypted.add(offset, offset + length),
    });
  }

  /** The pass has reached frame `n`: files whose connection ended before it are finished. */
  advance(n: number): void {
    while (this.next < this.pending.length && this.pending[this.next]!.lastFrame < n) this.finishFile(this.pending[this.next++]!);
  }

  /** The pass is over: every file finished; the manifest entries in transfer order. */
  finish(): ExtractedFile[] {
    while (this.next < this.pending.length) this.finishFile(this.pending[this.next++]!);
    return this.order.map((p) => this.results.get(p.transfer)!);
  }

  /** Closes whatever is still open (after a fault). */
  abandon(): void {
    for (const f of [...this.open.keys()]) {
      try {
        this.closeFd(f);
      } catch {
        // the fault being reported already says what went wrong
      }
    }
  }

  private reserve(f: FileState): void {
    const left = Math.max(0, this.limits.total - this.reserved);
    f.limit = Math.min(f.end, this.limits.perFile, left);
    if (f.limit < f.end) f.limitedBy = this.limits.perFile <= left ? 'file' : 'total';
    this.reserved += f.limit;
  }

  private write(f: FileState, payload: Buffer, at: number, position: number, length: number): void {
    const fd = this.fdOf(f);
    let done = 0;
    while (done < length) {
      try {
        done += this.io.write(fd, payload, at + done, length - done, position + done);
      } catch (e) {
        throw this.fault(f, e);
      }
    }
    this.written += length;
    if (position === f.hashedTo) {
      f.hash.update(payload.subarray(at, at + length));
      f.hashedTo += length;
    }
  }

  private fdOf(f: FileState): number {
    if (f.fd !== null) {
      this.open.delete(f);
      this.open.set(f, true);
      return f.fd;
    }
    if (this.open.size >= MAX_OPEN_FILES) this.closeFd(this.open.keys().next().value!);
    const flags = f.created ? O_WRONLY | O_NOFOLLOW : O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW;
    try {
      f.fd = this.io.open(join(this.dir, f.name), flags);
    } catch (e) {
      throw this.fault(f, e);
    }
    f.created = true;
    this.open.set(f, true);
    return f.fd;
  }

  private closeFd(f: FileState): void {
    if (f.fd === null) return;
    const fd = f.fd;
    f.fd = null;
    this.open.delete(f);
    try {
      this.io.close(fd);
    } catch (e) {
      throw this.fault(f, e);
    }
  }

  private finishFile(f: FileState): void {
    f.tls?.end(f.lastFrame);
    f.done = true;
    const p = f.plan;
    const captured = f.ranges.covered;
    if (captured === 0 && f.end > 0) {
      this.closeFd(f);
      const failed = f.tls?.failure() ?? null;
      const why = failed ? `its TLS records did not decrypt (${failed})` : f.snapCut.count > 0 ? 'the capture holds none of its bytes (its frames were cut by the snaplen)' : 'the capture holds none of its bytes';
      this.results.set(p.transfer, { ...emptyResult(p, why), end: f.end });
      return;
    }
    const length = f.ranges.end;
    let sha: string;
    try {
      this.io.truncate(this.fdOf(f), length);
      sha = this.completeHash(f, length);
    } catch (e) {
      throw e instanceof OutputWriteError ? e : this.fault(f, e);
    }
    this.closeFd(f);
    this.results.set(p.transfer, describe(f, length, sha));
  }

  /** The hash of [0, length): bytes written in order are hashed already; the rest is read back. */
  private completeHash(f: FileState, length: number): string {
    if (f.ranges.saturated && f.hashedTo > 0) {
      // past the range bound a retransmission may have rewritten hashed bytes: hash it all again
      f.rehash();
    }
    if (f.hashedTo < length) {
      // reopened for reading: the descriptor was opened write-only
      this.closeFd(f);
      let rfd: number;
      try {
        rfd = this.io.open(join(this.dir, f.name), O_RDONLY | O_NOFOLLOW);
      } catch (e) {
        throw this.fault(f, e);
      }
      try {
        const buf = Buffer.allocUnsafe(HASH_CHUNK);
        let pos = f.hashedTo;
        while (pos < length) {
          const n = this.io.read(rfd, buf, 0, Math.min(HASH_CHUNK, length - pos), pos);
          if (n === 0) break;
          f.hash.update(buf.subarray(0, n));
          pos += n;
        }
      } finally {
        this.io.close(rfd);
      }
    }
    return f.hash.digest('hex');
  }

  private fault(f: FileState, e: unknown): OutputWriteError {
    return outputWriteError(join(this.dir, f.name), e, this.written);
  }
}

/** Why a transfer gets no file, or null when it gets one. Encrypted data without keys gets none:
 *  TLS records are no part of the file, and a file of them would only mislead a hash check. */
function notWrittenReason(p: PlannedTransfer, keys: boolean): string | null {
  if (p.data === null) return p.outcome === 'failed' ? 'no data connection (the transfer failed before any)' : 'its data connection is not in the capture';
  if (p.decrypted && keys) return null;
  if (p.encrypted) {
    return keys
      ? 'its data is encrypted (TLS, PROT P) and the key log did not decrypt its data connection: the capture holds records, not the file'
      : 'its data is encrypted (TLS, PROT P): the capture holds records, not the file; with --keylog FILE (the key log the client wrote) it is decrypted and written';
  }
  return null;
}

/** Where the file ends: for a data connection ended by RST, what the receiver acknowledged
 *  (when its ACKs are in the capture); otherwise every byte sent. */
function fileEnd(p: PlannedTransfer): number {
  if (p.dataClose.kind === 'rst' && p.receiverSeen) return Math.min(p.bytes, p.bytesAcked);
  // decrypted: `bytes` counts the plaintext that decrypted; records that did not take their
  // place in the file (holes), as they take it in the plaintext stream's offsets
  if (p.decrypted) return p.bytes + p.bytesMissing;
  return p.bytes;
}

function emptyResult(p: PlannedTransfer, why: string): ExtractedFile {
  return { plan: p, file: null, notWritten: why, written: 0, sha256: null, end: p.bytes, cut: null, holes: [], holeCount: 0, holeBytes: 0, holesSaturated: false, unconfirmed: null, notes: notesOf(p) };
}

/** The manifest entry of a finished file: where it is cut and why, its holes, its notes. */
function describe(f: FileState, length: number, sha: string): ExtractedFile {
  const p = f.plan;
  const gaps = f.ranges.gaps(length, MAX_LISTED_HOLES);
  const holes: Hole[] = gaps.ranges.map(([from, to]) => ({ from, to, reason: f.undecrypted.overlaps(from, to) ? 'not-decrypted' : f.snapCut.overlaps(from, to) ? 'snaplen' : 'not-captured' }));
  const notes = notesOf(p);
  const close = p.dataClose;
  const closeWho = close.by ? `the ${close.by}` : 'one side';
  if (close.kind === 'rst') {
    if (!p.receiverSeen) notes.push(`the receiver's segments are not in the capture: what it acknowledged is unknown, so the file holds every byte sent`);
    else if (p.bytes > f.end) notes.push(`${p.bytes - f.end} bytes were sent after what the receiver acknowledged and are not in the file`);
  }
  let cut: ExtractedFile['cut'] = null;
  const bounded = f.limit >= 0 && f.limit < f.end; // --extract-max stopped the file short
  const which = f.limitedBy === 'total' ? 'the total of --extract-max' : 'the per-file --extract-max';
  const upTo = bounded ? f.limit : f.end;
  if (length < upTo) {
    // the file's tail is not in the capture (whatever the bound would have allowed)
    const snap = f.snapCut.overlaps(length, upTo);
    cut = snap
      ? { offset: length, reason: 'snaplen', frame: null, text: `the capture's snaplen cut the frames holding bytes ${length}–${upTo}` }
      : { offset: length, reason: 'not-captured', frame: null, text: `bytes ${length}–${upTo} were sent but are not in the capture` };
    if (bounded) notes.push(`${which} (${f.limit} bytes) would have stopped it anyway: ${f.end - f.limit} more bytes were sent`);
  } else if (bounded) {
    cut = { offset: f.limit, reason: 'extract-max', frame: null, text: `${which} reached: ${f.end - f.limit} more bytes not written` };
  } else if (close.kind === 'rst') {
    const receiver = p.sender === 'client' ? 'the server' : p.sender === 'server' ? 'the client' : 'the receiver';
    const held = p.receiverSeen ? `: the file holds what ${receiver} acknowledged, ${length} of the ${p.bytes} bytes sent` : '';
    cut = { offset: length, reason: 'rst', frame: close.frame, text: `RST from ${closeWho} at frame ${close.frame}${held}` };
  } else if (close.kind === null) {
    cut = { offset: length, reason: 'capture-ended', frame: null, text: 'the capture ended before the data connection closed' };
  } else if (p.expectedBytes !== null && length < p.expectedBytes) {
    cut = { offset: length, reason: 'short', frame: close.frame, text: `FIN from ${closeWho} at frame ${close.frame} after ${length} of the ${p.expectedBytes} bytes announced` };
  } else if (p.outcome === 'aborted' || p.outcome === 'truncated') {
    const why = p.finalReply ? `the server answered ${p.finalReply.code} at frame ${p.finalReply.frame}` : `the FTP stage judged the transfer ${p.outcome}${p.aborted ? ' (ABOR)' : ''}`;
    cut = { offset: length, reason: 'reply', frame: p.finalReply?.frame ?? null, text: why };
  }
  // The data connection closed normally, but nothing says the sender had sent it all: no final
  // reply (a server that dropped the session closes its data connection with a FIN too)
  // Nor when the receiver reset the connection after taking every byte: a socket closed with
  // data its application never read answers with an RST, so the bytes reached its host but
  // perhaps not its application (an RST answering a stray ACK after both FINs is harmless, and so
  // is one after the TLS stream was over: close_notify is TLS's own end of data)
  const late = p.lateReset;
  const receiverName = p.sender === 'client' ? 'the server' : p.sender === 'server' ? 'the client' : 'the receiver';
  let unconfirmed: string | null = null;
  if (cut === null && late && !late.afterStrayAck && !late.afterTlsEnd) {
    unconfirmed =
      late.by === 'receiver'
        ? `${receiverName} reset the data connection at frame ${late.frame} after acknowledging every byte: they reached its host, but its application may not have read them all`
        : `the sender reset the data connection at frame ${late.frame} after its FIN`;
  } else if (cut === null && p.outcome === 'unknown') {
    unconfirmed = `the data connection closed normally (FIN from ${closeWho} at frame ${close.frame}) but no final reply came: nothing confirms this is the whole file`;
  }
  if (cut && cut.reason !== 'rst' && close.kind === 'rst') notes.push(`the data connection ended by RST from ${closeWho} at frame ${close.frame}`);
  // without the sender's SYN the capture began after the data started: its first bytes, how many
  // unknown, are missing (offset 0 is the first byte captured); the file is not whole
  const began = 'the capture began after the data connection opened: the bytes before the first one captured, how many is unknown, are not in the file';
  if (!p.senderSynSeen) {
    if (cut === null) cut = { offset: 0, reason: 'capture-began', frame: null, text: began };
    else notes.push(began);
  }
  return {
    plan: p,
    file: f.name,
    notWritten: null,
    written: length,
    sha256: sha,
    end: f.end,
    cut,
    holes,
    holeCount: gaps.count,
    holeBytes: gaps.bytes,
    holesSaturated: f.ranges.saturated,
    unconfirmed,
    notes,
  };
}

/** What the reader of the file must know whatever its state: how the data crossed the wire. */
function notesOf(p: PlannedTransfer): string[] {
  const notes: string[] = [];
  if (p.decrypted) notes.push(`decrypted with the key log (${p.decrypted.suite}): the file is the plaintext the TLS records carried, and its byte counts are plaintext bytes`);
  if (p.type.startsWith('A')) notes.push('TYPE A: kept as sent (network ASCII, CRLF line ends); the file on either host may differ in its line ends');
  else if (p.type.startsWith('E')) notes.push('TYPE E: kept as sent (EBCDIC)');
  if (p.transmissionMode === 'B' || p.transmissionMode === 'C') notes.push(`MODE ${p.transmissionMode}: kept as sent, with the mode's block headers${p.transmissionMode === 'C' ? ' and compression' : ''}`);
  if (p.restOffset > 0) notes.push(`REST ${p.restOffset}: the data is the file from offset ${p.restOffset} on`);
  if (p.dataLooksTls && !p.encrypted) notes.push('the data begins like a TLS record although no PROT P was seen: it may be encrypted');
  return notes;
}
