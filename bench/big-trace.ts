// Large synthetic FTP traces for the end-to-end benchmark, made by replicating the TCP sessions of
// captures/*.pcap(ng) (real servers and clients on loopback) many times over, each replica with
// its own addresses (IPv4) or ports (IPv6), shifted in time and merged in time order, written
// with the project's PcapWriter as one Ethernet classic pcap.
//
// What a replica changes, and why the trace still means the same thing:
//  - Link layer: every frame becomes Ethernet II (the SLL/SLL2 captures too: one pcap file has one
//    link type). Only frames that decode to TCP are kept (the captures hold nothing else).
//  - IPv4 captures: each original address gets a per-replica address with the same number of
//    digits in each octet, so that its text in PORT/EPRT/227 lines (rewritten too) keeps its
//    length and no sequence number moves; FTP data connections still link by announcement.
//  - IPv6 captures: "::1" has no same-length variants to speak of, so there the ports ≥ 1024 are
//    rewritten instead (same digit count, in the headers and in EPRT/229 text).
//  - Frames of non-control connections (FTP data) keep only their first DATA_CUT bytes, as with
//    `tcpdump -s`: origLen says what the wire had. This keeps the trace FTP-heavy in frames
//    (10M frames in ~1.3 GB rather than 10 GB of loopback 64 KiB segments); the analyser only
//    counts data-connection bytes anyway.
//  - IP and TCP checksums are left stale (as many offloading NICs capture them): neither
//    ftpdiag nor tshark (default preferences) checks them.
//
// Two layouts:
//  - 'sequential': replica k starts START_SPACING after replica k-1, at real speed: a busy
//    server, ~1,000 connections open at a time, memory should not grow with the file.
//  - 'concurrent': R replicas started within WINDOW seconds and each stretched to last SPAN
//    seconds: ≥ 10^5 connections open at once (the flow table's worst case).
// And two that are not replications, cached here like the others: 'long-session', one FTP
// session of many transfers (bench/long-session.ts), and 'bulk', one session of a few large
// transfers (bench/bulk-transfer.ts).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LinkType, frameEnd, frameStart, type Frame } from '../src/capture/frame.ts';
import { PcapWriter, PCAP_DEFAULT_SNAPLEN } from '../src/capture/pcap-writer.ts';
import { readCapture } from '../src/capture/read.ts';
import { PacketDecoder } from '../src/decode/decoder.ts';
import { loadRules } from '../src/diagnose/rule-loader.ts';
import { analyzeFile } from '../src/pipeline/analyze.ts';
import { BENCH_DIR } from './reader.ts';
import { LONG_SESSION_VERSION, writeLongSession } from './long-session.ts';
import { BULK_VERSION, writeBulkTransfer } from './bulk-transfer.ts';

const CAPTURES_DIR = fileURLToPath(new URL('../captures/', import.meta.url));

/** Bumped when the generator changes what it writes (cached files are rebuilt). */
const GENERATOR_VERSION = 3;

/** Bytes kept of each data-connection frame (headers + the first payload bytes). */
const DATA_CUT = 160;
/** Sequential layout: start-to-start spacing of replicas, seconds. */
const START_SPACING = 0.002;
/** Concurrent layout: replicas start within WINDOW seconds, each lasts SPAN seconds. */
const WINDOW = 30;
const SPAN = 300;
const T0 = 1_700_000_000; // capture time of the first frame, seconds

// patch kinds: what to write at an offset of a replica's frame
const P_ADDR4 = 0; //  4 address bytes of original address `idx`
const P_TEXT4 = 1; //  dotted/comma text of address `idx`; `arg` = separator char code
const P_PORT = 2; //   2 port bytes of original port `idx`
const P_PORTTXT = 3; // decimal text of port `idx`

interface TemplateFrame {
  rel: number; //        seconds since the capture's first frame
  data: Buffer; //       Ethernet frame, full length
  cut: number; //        bytes written (caplen)
  patches: number[]; //  flat [offset, kind, idx, arg] quads
}

interface Template {
  name: string;
  v6: boolean;
  frames: TemplateFrame[];
  duration: number; //   seconds
  addrs: number[]; //    IPv4 originals (uint32) that replicas rewrite
  ports: number[]; //    IPv6 originals (ports ≥ 1024) that replicas rewrite
  conns: Array<[number, number]>; // connection lifetimes [first, last] (rel seconds)
  bytes: number; //      record bytes one replica writes (16-byte headers included)
}

function digitsOf(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : 3;
}

/** Per digit pattern of an IPv4 address, the next unused same-length address. */
class AddressAllocator {
  private readonly next = new Map<string, number>();

  alloc(orig: number): number {
    const oct = [orig >>> 24, (orig >>> 16) & 255, (orig >>> 8) & 255, orig & 255];
    const pat = oct.map(digitsOf);
    const key = pat.join('');
    let k = this.next.get(key) ?? 0;
    this.next.set(key, k + 1);
    let out = 0;
    for (let i = 3; i >= 0; i--) {
      const d = pat[i]!;
      let lo = d === 1 ? 0 : d === 2 ? 10 : 100;
      let hi = d === 1 ? 9 : d === 2 ? 99 : 255;
      if (i === 0) {
        lo = Math.max(lo, 1);
        hi = Math.min(hi, 223); // no multicast or reserved first octets
      }
      const span = hi - lo + 1;
      const v = lo + (k % span);
      k = Math.floor(k / span);
      out += v * 2 ** (8 * (3 - i));
    }
    return out >>> 0;
  }
}

/** Per digit count, the next port with that many digits (≥ 1024; wraps when used up). */
class PortAllocator {
  private readonly next = new Map<number, number>();

  alloc(orig: number): number {
    const d = String(orig).length;
    const lo = d === 4 ? 1024 : 10 ** (d - 1);
    const hi = d === 5 ? 65535 : 10 ** d - 1;
    const k = this.next.get(d) ?? 0;
    this.next.set(d, k + 1);
    return lo + (k % (hi - lo + 1));
  }
}

const ip4Text = (a: number, sep: string) => [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join(sep);

/** Finds `text` in data[from..to); `bounded`: with no digit right before or after it. */
function findAll(data: Buffer, text: string, from: number, to: number, bounded = true): number[] {
  const out: number[] = [];
  const isDigit = (o: number) => bounded && o >= from && o < to && data[o]! >= 0x30 && data[o]! <= 0x39;
  let i = data.indexOf(text, from, 'latin1');
  while (i >= 0 && i + text.length <= to) {
    if (!isDigit(i - 1) && !isDigit(i + text.length)) out.push(i);
    i = data.indexOf(text, i + 1, 'latin1');
  }
  return out;
}

async function loadTemplate(file: string): Promise<Template> {
  // which connections are FTP control connections: keep their frames whole
  const { result } = await analyzeFile(file, { rules: loadRules([]) });
  const tuple = (a: string, ap: number, b: string, bp: number) => (`${a}|${ap}` < `${b}|${bp}` ? `${a}|${ap}|${b}|${bp}` : `${b}|${bp}|${a}|${ap}`);
  const control = new Set<string>();
  for (const s of result.sessions) {
    const c = result.connections[s.control]!;
    control.add(tuple(c.client.addr, c.client.port, c.server.addr, c.server.port));
  }
  const dec = new PacketDecoder({ reassembleFragments: false });
  const raw: Array<{ time: number; data: Buffer; origLen: number; v6: boolean; ctl: boolean; key: string; ip: number; tcp: number; pay: number; payLen: number }> = [];
  await readCapture(file, (f: Frame) => {
    if (dec.decode(f) !== 'tcp') return;
    const p = dec.packet;
    // the decoder's offsets are offsets in p.data, the reader's chunk (frameBytes), not in f.data
    const ipOff = p.ipOffset;
    const end = frameEnd(f);
    const eth = Buffer.alloc(14 + end - ipOff);
    Buffer.from('020000000002020000000001', 'hex').copy(eth, 0);
    eth.writeUInt16BE(p.ipVersion === 6 ? 0x86dd : 0x0800, 12);
    p.data.copy(eth, 14, ipOff, end);
    const shift = 14 - ipOff;
    const key = tuple(p.srcAddr(), p.srcPort, p.dstAddr(), p.dstPort);
    raw.push({
      time: f.time,
      data: eth,
      origLen: f.origLen + 14 - (ipOff - frameStart(f)),
      v6: p.ipVersion === 6,
      ctl: control.has(key),
      key,
      ip: 14,
      tcp: p.tcpOffset + shift,
      pay: p.payloadOffset + shift,
      payLen: p.payloadLength,
    });
  });
  if (raw.length === 0) throw new Error(`${file}: no TCP frames`);
  const v6 = raw.some((r) => r.v6);
  const t0 = raw[0]!.time;
  const addrs: number[] = [];
  const ports: number[] = [];
  const addrIdx = (a: number) => {
    let i = addrs.indexOf(a);
    if (i < 0) i = addrs.push(a) - 1;
    return i;
  };
  const portIdx = (p: number) => {
    let i = ports.indexOf(p);
    if (i < 0) i = ports.push(p) - 1;
    return i;
  };
  // first pass: the originals
  for (const r of raw) {
    if (v6) {
      for (const o of [r.tcp, r.tcp + 2]) {
        const port = r.data.readUInt16BE(o);
        if (port >= 1024) portIdx(port);
      }
    } else {
      addrIdx(r.data.readUInt32BE(r.ip + 12));
      addrIdx(r.data.readUInt32BE(r.ip + 16));
    }
  }
  const lifetimes = new Map<string, [number, number]>();
  const frames: TemplateFrame[] = [];
  let bytes = 0;
  for (const r of raw) {
    const patches: number[] = [];
    const cut = r.ctl ? r.data.length : Math.min(r.data.length, DATA_CUT);
    const payEnd = Math.min(r.pay + r.payLen, cut);
    if (v6) {
      for (const o of [r.tcp, r.tcp + 2]) {
        const port = r.data.readUInt16BE(o);
        if (port >= 1024) patches.push(o, P_PORT, portIdx(port), 0);
      }
      if (r.ctl && payEnd > r.pay) {
        ports.forEach((port, i) => {
          for (const at of findAll(r.data, `|${port}|`, r.pay, payEnd, false)) patches.push(at + 1, P_PORTTXT, i, 0);
        });
      }
    } else {
      patches.push(r.ip + 12, P_ADDR4, addrIdx(r.data.readUInt32BE(r.ip + 12)), 0);
      patches.push(r.ip + 16, P_ADDR4, addrIdx(r.data.readUInt32BE(r.ip + 16)), 0);
      if (r.ctl && payEnd > r.pay) {
        addrs.forEach((a, i) => {
          for (const sep of ['.', ',']) {
            for (const at of findAll(r.data, ip4Text(a, sep), r.pay, payEnd)) patches.push(at, P_TEXT4, i, sep.charCodeAt(0));
          }
        });
      }
    }
    const rel = r.time - t0;
    const life = lifetimes.get(r.key);
    if (life) life[1] = rel;
    else lifetimes.set(r.key, [rel, rel]);
    frames.push({ rel, data: r.data, cut, patches });
    bytes += 16 + cut;
  }
  return {
    name: path.basename(file),
    v6,
    frames,
    duration: frames[frames.length - 1]!.rel,
    addrs,
    ports,
    conns: [...lifetimes.values()],
    bytes,
  };
}

function captureFiles(): string[] {
  return fs
    .readdirSync(CAPTURES_DIR)
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .sort()
    .map((f) => path.join(CAPTURES_DIR, f));
}

/** Names and sizes of the source captures: a cached trace made from another set is rebuilt. */
function sourcesKey(): string {
  return captureFiles()
    .map((f) => `${path.basename(f)}:${fs.statSync(f).size}`)
    .join(',');
}

async function loadTemplates(): Promise<Template[]> {
  const files = captureFiles();
  const out: Template[] = [];
  for (const f of files) out.push(await loadTemplate(f));
  return out;
}

/** One replica: which template, when it starts, how its time is scaled, its rewrites. */
interface Replica {
  t: Template;
  start: number; //   seconds (absolute)
  scale: number; //   capture-time stretch factor
  addrs: number[]; // rewritten IPv4 addresses (by original index)
  ports: number[]; // rewritten ports (by original index)
  next: number; //    index of its next frame
  at: number; //      time of that frame
}

export interface TraceInfo {
  name: string;
  file: string;
  prefixFile: string | null; // the first `prefixFrames` frames, same generator
  prefixFrames: number;
  layout: TraceLayout;
  frames: number;
  bytes: number; //           file size
  replicas: number;
  maxConcurrentConnections: number;
  durationSeconds: number; // capture time from first to last frame
  dataCut: number;
  version: number;
  captures: number; //        source captures replicated
  sources: string; //         their names and sizes (cache key)
  transfers?: number; //      long-session, bulk: transfers in the one session
  segments?: number; //       bulk: full-size data segments of each transfer
}

export type TraceLayout = 'sequential' | 'concurrent' | 'long-session' | 'bulk';

export interface TraceRequest {
  name: string;
  layout: TraceLayout;
  frames?: number; //         sequential: at least this many frames
  concurrent?: number; //     concurrent: at least this many connections open at once
  transfers?: number; //      long-session, bulk: this many transfers in the one session
  segments?: number; //       bulk: this many full-size data segments a transfer
  prefixFrames?: number; //   also write a prefix file of this many frames (0: none)
}

/** Plans the replicas of a trace (no I/O). */
function plan(templates: Template[], req: TraceRequest): Replica[] {
  const addrAlloc = new AddressAllocator();
  const portAlloc = new PortAllocator();
  const reps: Replica[] = [];
  const make = (k: number, start: number, scale: number): Replica => {
    const t = templates[k % templates.length]!;
    return {
      t,
      start,
      scale,
      addrs: t.addrs.map((a) => addrAlloc.alloc(a)),
      ports: t.ports.map((p) => portAlloc.alloc(p)),
      next: 0,
      at: start,
    };
  };
  if (req.layout === 'sequential') {
    const want = req.frames ?? 10_000_000;
    let n = 0;
    for (let k = 0; n < want; k++) {
      const r = make(k, T0 + k * START_SPACING, 1);
      reps.push(r);
      n += r.t.frames.length;
    }
  } else {
    // each replica's connections, stretched to SPAN, all overlap once every replica has started;
    // the control connection spans most of its capture, so R replicas give ≈ R open connections
    const want = req.concurrent ?? 100_000;
    let r = want;
    for (;;) {
      reps.length = 0;
      for (let k = 0; k < r; k++) {
        const t = templates[k % templates.length]!;
        reps.push(make(k, T0 + (k * WINDOW) / r, t.duration > 0 ? SPAN / t.duration : 1));
      }
      const c = maxConcurrent(reps);
      if (c >= want) break;
      r = Math.ceil((r * want * 1.01) / c);
    }
  }
  return reps;
}

/** Most connections open at once (first to last frame), over all replicas. */
function maxConcurrent(reps: Replica[]): number {
  const ev: number[] = [];
  for (const r of reps) for (const [a, b] of r.t.conns) ev.push(r.start + a * r.scale, 1, r.start + b * r.scale, -1);
  const idx = Array.from({ length: ev.length / 2 }, (_, i) => i);
  idx.sort((x, y) => ev[2 * x]! - ev[2 * y]! || ev[2 * y + 1]! - ev[2 * x + 1]!);
  let cur = 0;
  let max = 0;
  for (const i of idx) {
    cur += ev[2 * i + 1]!;
    if (cur > max) max = cur;
  }
  return max;
}

/** Buffers records and writes them in 8 MiB slices (one writeSync per record is too slow). */
class BatchedFile {
  private readonly buf = Buffer.allocUnsafe(8 << 20);
  private len = 0;
  private readonly fd: number;
  bytes = 0;

  constructor(file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  readonly sink = (chunk: Buffer): void => {
    if (this.len + chunk.length > this.buf.length) this.flush();
    if (chunk.length > this.buf.length) {
      fs.writeSync(this.fd, chunk);
    } else {
      chunk.copy(this.buf, this.len);
      this.len += chunk.length;
    }
    this.bytes += chunk.length;
  };

  flush(): void {
    let done = 0;
    while (done < this.len) done += fs.writeSync(this.fd, this.buf, done, this.len - done);
    this.len = 0;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}

/** Writes replica `r`'s current frame, patched, through `writers`. */
function emit(r: Replica, scratch: Buffer, writers: PcapWriter[]): void {
  const f = r.t.frames[r.next]!;
  const cut = f.cut;
  f.data.copy(scratch, 0, 0, cut);
  const p = f.patches;
  for (let i = 0; i < p.length; i += 4) {
    const off = p[i]!;
    const kind = p[i + 1]!;
    const idx = p[i + 2]!;
    if (kind === P_ADDR4) {
      if (off + 4 <= cut) scratch.writeUInt32BE(r.addrs[idx]!, off);
    } else if (kind === P_TEXT4) {
      const text = ip4Text(r.addrs[idx]!, String.fromCharCode(p[i + 3]!));
      if (off + text.length <= cut) scratch.write(text, off, 'latin1');
    } else if (kind === P_PORT) {
      if (off + 2 <= cut) scratch.writeUInt16BE(r.ports[idx]!, off);
    } else {
      const text = String(r.ports[idx]!);
      if (off + text.length <= cut) scratch.write(text, off, 'latin1');
    }
  }
  const time = r.at;
  const tsSec = Math.floor(time);
  const tsNsec = Math.min(999_999_999, Math.round((time - tsSec) * 1e9));
  const frame = { tsSec, tsNsec, data: scratch.subarray(0, cut), origLen: f.data.length };
  for (const w of writers) w.writeFrame(frame);
}

async function generate(req: TraceRequest, file: string, prefixFile: string | null, log: (s: string) => void): Promise<TraceInfo> {
  const templates = await loadTemplates();
  const reps = plan(templates, req);
  const concurrency = maxConcurrent(reps);
  const totalFrames = reps.reduce((n, r) => n + r.t.frames.length, 0);
  const totalBytes = 24 + reps.reduce((n, r) => n + r.t.bytes, 0);
  checkDisk(totalBytes * 1.1 + 512e6, log);
  log(`writing ${file}: ${reps.length} replicas of ${templates.length} captures, ${totalFrames} frames, ${(totalBytes / 1e9).toFixed(2)} GB, up to ${concurrency} connections open at once`);
  const prefixFrames = prefixFile ? (req.prefixFrames ?? 0) : 0;
  const tmp = `${file}.${process.pid}.tmp`;
  const out = new BatchedFile(tmp);
  const main = new PcapWriter(out.sink, { linkType: LinkType.ETHERNET, snaplen: PCAP_DEFAULT_SNAPLEN });
  let pre: BatchedFile | null = null;
  let preWriter: PcapWriter | null = null;
  if (prefixFile && prefixFrames > 0) {
    pre = new BatchedFile(`${prefixFile}.${process.pid}.tmp`);
    preWriter = new PcapWriter(pre.sink, { linkType: LinkType.ETHERNET, snaplen: PCAP_DEFAULT_SNAPLEN });
  }
  const scratch = Buffer.alloc(1 << 18);
  // merge by time: replicas enter the heap when their start comes up (they are sorted by start)
  const heap: Replica[] = [];
  const less = (a: Replica, b: Replica) => a.at < b.at;
  const siftUp = (i: number) => {
    const r = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(r, heap[p]!)) break;
      heap[i] = heap[p]!;
      i = p;
    }
    heap[i] = r;
  };
  const siftDown = (i: number) => {
    const n = heap.length;
    const r = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const m = l + 1 < n && less(heap[l + 1]!, heap[l]!) ? l + 1 : l;
      if (!less(heap[m]!, r)) break;
      heap[i] = heap[m]!;
      i = m;
    }
    heap[i] = r;
  };
  let nextRep = 0;
  let written = 0;
  let lastTime = 0;
  const started = Date.now();
  for (;;) {
    while (nextRep < reps.length && (heap.length === 0 || reps[nextRep]!.start <= heap[0]!.at)) {
      heap.push(reps[nextRep++]!);
      siftUp(heap.length - 1);
    }
    if (heap.length === 0) break;
    const r = heap[0]!;
    emit(r, scratch, preWriter !== null && written < prefixFrames ? [main, preWriter] : [main]);
    written++;
    lastTime = r.at;
    if (written === prefixFrames && pre) {
      pre.close();
      fs.renameSync(`${prefixFile}.${process.pid}.tmp`, prefixFile!);
      pre = null;
      preWriter = null;
    }
    r.next++;
    if (r.next < r.t.frames.length) {
      r.at = r.start + r.t.frames[r.next]!.rel * r.scale;
      siftDown(0);
    } else {
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        siftDown(0);
      }
    }
    if (written % 1_000_000 === 0) log(`  ${written / 1e6}M frames (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  out.close();
  if (pre) {
    pre.close();
    fs.renameSync(`${prefixFile}.${process.pid}.tmp`, prefixFile!);
  }
  fs.renameSync(tmp, file);
  return {
    name: req.name,
    file,
    prefixFile: prefixFile && prefixFrames > 0 ? prefixFile : null,
    prefixFrames: Math.min(prefixFrames, written),
    layout: req.layout,
    frames: written,
    bytes: fs.statSync(file).size,
    replicas: reps.length,
    maxConcurrentConnections: concurrency,
    durationSeconds: lastTime - T0,
    dataCut: DATA_CUT,
    version: GENERATOR_VERSION,
    captures: templates.length,
    sources: sourcesKey(),
  };
}

function longSession(req: TraceRequest, file: string, prefixFile: string | null, log: (s: string) => void): TraceInfo {
  const transfers = req.transfers ?? 100_000;
  log(`writing ${file}: one FTP session of ${transfers} transfers`);
  const prefixFrames = prefixFile ? (req.prefixFrames ?? 0) : 0;
  const tmp = `${file}.${process.pid}.tmp`;
  const preTmp = prefixFile && prefixFrames > 0 ? `${prefixFile}.${process.pid}.tmp` : null;
  const w = writeLongSession(transfers, tmp, preTmp ? { file: preTmp, frames: prefixFrames } : undefined);
  if (preTmp) fs.renameSync(preTmp, prefixFile!);
  fs.renameSync(tmp, file);
  const prefix = preTmp && prefixFile ? { file: prefixFile, frames: Math.min(prefixFrames, w.frames) } : null;
  return craftedInfo(req, file, prefix, w, LONG_SESSION_VERSION, { transfers });
}

function bulk(req: TraceRequest, file: string, log: (s: string) => void): TraceInfo {
  const transfers = req.transfers ?? 4;
  const segments = req.segments ?? 500_000;
  log(`writing ${file}: one FTP session of ${transfers} transfers of ${segments} segments`);
  const tmp = `${file}.${process.pid}.tmp`;
  const w = writeBulkTransfer(transfers, segments, tmp, DATA_CUT);
  fs.renameSync(tmp, file);
  return craftedInfo(req, file, null, w, BULK_VERSION, { transfers, segments });
}

/** What a crafted trace of one session (at most two connections open at a time) is. */
function craftedInfo(
  req: TraceRequest,
  file: string,
  prefix: { file: string; frames: number } | null,
  w: { frames: number; durationSeconds: number },
  version: number,
  shape: Pick<TraceInfo, 'transfers' | 'segments'>,
): TraceInfo {
  return {
    name: req.name,
    file,
    prefixFile: prefix?.file ?? null,
    prefixFrames: prefix?.frames ?? 0,
    layout: req.layout,
    frames: w.frames,
    bytes: fs.statSync(file).size,
    replicas: 1,
    maxConcurrentConnections: 2,
    durationSeconds: w.durationSeconds,
    dataCut: DATA_CUT,
    version,
    captures: 0,
    sources: sourcesKey(),
    ...shape,
  };
}

function checkDisk(need: number, log: (s: string) => void): void {
  const st = fs.statfsSync(BENCH_DIR);
  const free = st.bavail * st.bsize;
  log(`free space in ${BENCH_DIR}: ${(free / 1e9).toFixed(1)} GB (need ~${(need / 1e9).toFixed(1)} GB)`);
  if (free < need) throw new Error(`not enough free disk space in ${BENCH_DIR}: ${(free / 1e9).toFixed(1)} GB free, ~${(need / 1e9).toFixed(1)} GB needed`);
}

/** The trace of `req`, from the cache in BENCH_DIR unless missing, stale or `regen`. */
export async function benchTrace(req: TraceRequest, opts: { regen?: boolean; log?: (s: string) => void } = {}): Promise<TraceInfo> {
  const log = opts.log ?? ((s: string) => console.error(s));
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const file = path.join(BENCH_DIR, `${req.name}.pcap`);
  const prefixFile = req.prefixFrames ? path.join(BENCH_DIR, `${req.name}-prefix.pcap`) : null;
  const manifest = path.join(BENCH_DIR, `${req.name}.json`);
  const version = req.layout === 'long-session' ? LONG_SESSION_VERSION : req.layout === 'bulk' ? BULK_VERSION : GENERATOR_VERSION;
  if (!opts.regen && fs.existsSync(manifest) && fs.existsSync(file)) {
    try {
      const info = JSON.parse(fs.readFileSync(manifest, 'utf8')) as TraceInfo & { request: TraceRequest };
      const sameReq = JSON.stringify(info.request) === JSON.stringify(req);
      const filesOk = fs.statSync(file).size === info.bytes && (info.prefixFile === null || fs.existsSync(info.prefixFile));
      if (sameReq && filesOk && info.version === version && info.sources === sourcesKey()) return info;
    } catch {
      // unreadable manifest: rebuild
    }
  }
  const info =
    req.layout === 'long-session' ? longSession(req, file, prefixFile, log) : req.layout === 'bulk' ? bulk(req, file, log) : await generate(req, file, prefixFile, log);
  fs.writeFileSync(manifest, JSON.stringify({ ...info, request: req }, null, 2));
  return info;
}
