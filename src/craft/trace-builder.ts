// A packet-ladder DSL: write a TCP conversation one segment at a time and let the builder keep
// sequence and acknowledgment numbers, IP ids and the clock. Several connections on one builder
// share the clock and the frame counter, so an FTP control connection and its data connections
// interleave like in a real capture.
//
//   const t = new TraceBuilder();
//   const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
//   c.handshake();
//   c.server('PA', '220 ready\r\n');
//   c.client('PA', 'USER anonymous\r\n');
//   c.close();
//   t.writePcap('x.pcap');
//
// Sequence numbers in the DSL are relative, as Wireshark shows them: the SYN has relative seq 0,
// the first data byte relative seq 1 (absolute = ISN + relative, mod 2^32).

import { writeFileSync } from 'node:fs';
import { LinkType, type Frame } from '../capture/frame.ts';
import { TcpFlag } from '../decode/packet.ts';
import { buildFrame, isIpv6Text, parseTcpFlags, type FrameSpec, type TcpOptionsSpec } from './packet-builder.ts';
import { framesToPcap, framesToPcapng, toCaptureFrames } from './capture-files.ts';
import { HostIdState, ProfileIds, seededRandom, type StackProfile } from './stack-profiles.ts';

export interface CraftedFrame {
  tsSec: number; //   seconds since epoch
  tsNsec: number; //  nanoseconds within tsSec
  data: Buffer; //    the frame's bytes (link header first)
  origLen: number; // bytes on the wire (= data.length unless a snaplen cut it)
}

export interface TraceOptions {
  linkType?: number; // LinkType number, default ETHERNET
  start?: number; //    epoch seconds of the first frame, default 1_700_000_000
  step?: number; //     seconds between consecutive frames, default 0.001
  seed?: number; //     seed of the random IP IDs and counter starts of stack profiles, default 1
}

export interface ConnectionOptions {
  client: string; //       'addr:port' or '[v6addr]:port'
  server: string;
  clientIsn?: number; //   absolute initial sequence numbers (defaults differ per connection)
  serverIsn?: number;
  clientWindow?: number; // window field, default 65535
  serverWindow?: number;
  mss?: number; //         MSS option in both SYNs, default 1460 (null: no option)
  windowScale?: number | null; // window-scale option in both SYNs; default null (no option: windows unscaled)
  sackPermitted?: boolean; // SACK-permitted in both SYNs, default false
  timestamps?: boolean; //  timestamp option on every segment (TSval = ms clock), default false
  clientTtl?: number; //   default 64
  serverTtl?: number; //   default 64
  clientMac?: string;
  serverMac?: string;
  vlan?: number[]; //      VLAN tags on every frame of this connection (Ethernet only)
  /** Stack profiles (stack-profiles.ts): the side's IP IDs, DF, TTL, windows and MSS follow its
   *  stack unless given above. With a profile, a non-null windowScale means "offer the
   *  profile's shift", and the window field after the SYN is the profile's scaled window. */
  clientStack?: StackProfile;
  serverStack?: StackProfile;
}

export interface SendOptions {
  seq?: number; //     relative seq (Wireshark-style: first data byte is 1); overrides the automatic one
  ack?: number; //     relative ack (in the peer's sequence space)
  rawSeq?: number; //  absolute seq (uint32), wins over seq
  rawAck?: number; //  absolute ack (uint32), wins over ack
  window?: number;
  ttl?: number;
  ipId?: number;
  options?: SendTcpOptions;
  urgent?: number;
  dt?: number; //      seconds to advance the clock before this frame (on top of the usual step)
  noAdvance?: boolean; // don't move this side's nextSeq (retransmissions, keep-alives)
  df?: boolean; //     IPv4 don't-fragment bit, default true (what Linux and Windows set on TCP), or the profile's
  closedSocket?: boolean; // sent by the stack for a connection it no longer knows (a profile may write IP ID 0)
  rawOptions?: Buffer; // TCP option bytes appended as given (malformed tests)
}

export interface SendTcpOptions {
  mss?: number;
  windowScale?: number;
  sackPermitted?: boolean;
  sack?: Array<[number, number]>; // relative edges in the peer's sequence space
  ts?: [number, number]; //         absolute [TSval, TSecr]
}

export type Side = 'client' | 'server';
type Payload = string | Buffer | number; // a number = that many filler bytes

interface Endpoint {
  addr: string;
  port: number;
  isn: number; //       absolute ISN (uint32)
  next: number; //      relative next sequence number (0 before the SYN)
  ipId: number; //      next IPv4 identification
  window: number; //    default window field
  synWindow: number; // window field of its SYN (unscaled)
  ttl: number;
  mac: string;
  lastTsVal: number; // TSval of this side's last segment (echoed by the peer), -1 before any
  stack: StackProfile | null;
  ids: ProfileIds | null; // the profile's IP ID source, null without a profile
}

const DEFAULT_START = 1_700_000_000;

/** Splits 'a.b.c.d:port', '[v6]:port' (or bare 'v6:port' with the port after the last colon). */
export function parseEndpoint(text: string): { addr: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^(.*):(\d+)$/.exec(text);
  if (!m) throw new Error(`bad endpoint '${text}' (want addr:port or [v6addr]:port)`);
  return { addr: m[1]!, port: Number(m[2]) };
}

function payloadBytes(p: Payload | undefined): Buffer {
  if (p === undefined) return Buffer.alloc(0);
  if (typeof p === 'number') {
    const b = Buffer.alloc(p);
    for (let i = 0; i < p; i++) b[i] = 0x61 + (i % 26); // 'abc…z' filler, easy to spot in a hex dump
    return b;
  }
  return typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
}

export class TraceBuilder {
  readonly linkType: number;
  private readonly stepNs: bigint;
  private nowNs: bigint; //      timestamp of the next frame, ns since epoch
  private readonly list: CraftedFrame[] = [];
  private taken = 0; //          frames handed out by takeFrames() (they keep their numbers)
  private connections = 0;
  private readonly hosts = new Map<string, HostIdState>(); // by address: host-wide IP ID state
  private readonly random: () => number;

  constructor(opts: TraceOptions = {}) {
    this.linkType = opts.linkType ?? LinkType.ETHERNET;
    this.random = seededRandom(opts.seed ?? 1);
    this.nowNs = secondsToNs(opts.start ?? DEFAULT_START);
    this.stepNs = secondsToNs(opts.step ?? 0.001);
  }

  /** A new TCP connection laddered on this trace's clock. */
  tcp(opts: ConnectionOptions): TcpLadder {
    this.connections++;
    return new TcpLadder(this, opts, this.connections);
  }

  /** The IP ID state of the host at `addr`, shared by all its connections on this trace. */
  host(addr: string): HostIdState {
    let h = this.hosts.get(addr);
    if (!h) {
      h = new HostIdState(this.random);
      this.hosts.set(addr, h);
    }
    return h;
  }

  /** Advances the clock by `seconds` before the next frame. */
  wait(seconds: number): void {
    this.nowNs += secondsToNs(seconds);
  }

  /** Current clock (epoch seconds, float): the time the next frame will get before its step. */
  now(): number {
    return Number(this.nowNs) / 1e9;
  }

  /** Appends a frame built from `spec` (its linkType defaults to the trace's). Returns its number. */
  frame(spec: FrameSpec, dt = 0): number {
    return this.raw(buildFrame({ linkType: this.linkType, ...spec }), dt);
  }

  /** Appends bytes as a frame, as is. Returns its 1-based number. */
  raw(data: Buffer, dt = 0, origLen = data.length): number {
    if (dt) this.wait(dt);
    const ns = this.nowNs;
    this.list.push({ tsSec: Number(ns / 1_000_000_000n), tsNsec: Number(ns % 1_000_000_000n), data, origLen });
    this.nowNs += this.stepNs;
    return this.taken + this.list.length;
  }

  /** A UDP datagram (e.g. DNS noise for the not-TCP counter). */
  udp(src: string, dst: string, payload: string | Buffer = 'x', dt = 0): number {
    const s = parseEndpoint(src);
    const d = parseEndpoint(dst);
    return this.frame({ ip: { src: s.addr, dst: d.addr }, udp: { srcPort: s.port, dstPort: d.port, payload } }, dt);
  }

  /** An ARP request (for the not-IP counter); only on link types with an EtherType. */
  arp(dt = 0): number {
    return this.frame({ arp: true }, dt);
  }

  /** Number of frames written so far (= the number of the last one). */
  get count(): number {
    return this.taken + this.list.length;
  }

  /** The frames held: all of them, unless takeFrames() handed some out. */
  frames(): CraftedFrame[] {
    return this.list;
  }

  /** Hands out the frames held (each cut to `snaplen` bytes, if given) and forgets them; later
   *  frames go on numbering after them. A trace too long to hold is written piece by piece this
   *  way (bench/bulk-transfer.ts). */
  takeFrames(snaplen?: number): CraftedFrame[] {
    const out = this.list.splice(0);
    this.taken += out.length;
    return cutFrames(out, snaplen);
  }
  /** The frames as Frame records, as the capture stage would deliver them. */
  captureFrames(): Frame[] {
    return toCaptureFrames(this.frames(), this.linkType);
  }


  /** Classic pcap bytes. `snaplen` cuts each frame's captured bytes (origLen keeps the full size). */
  toPcap(opts: { nanosecond?: boolean; snaplen?: number } = {}): Buffer {
    return framesToPcap(cutFrames(this.list, opts.snaplen), { linkType: this.linkType, nanosecond: opts.nanosecond, snaplen: opts.snaplen });
  }

  toPcapng(opts: { snaplen?: number } = {}): Buffer {
    return framesToPcapng(cutFrames(this.list, opts.snaplen), { linkType: this.linkType, snaplen: opts.snaplen });
  }

  writePcap(path: string, opts: { nanosecond?: boolean; snaplen?: number } = {}): void {
    writeFileSync(path, this.toPcap(opts));
  }

  writePcapng(path: string): void {
    writeFileSync(path, this.toPcapng());
  }
}

/** Each frame's captured bytes cut to `snaplen` (origLen keeps the full size). */
function cutFrames(frames: CraftedFrame[], snaplen: number | undefined): CraftedFrame[] {
  if (snaplen === undefined) return frames;
  return frames.map((f) => (f.data.length > snaplen ? { ...f, data: f.data.subarray(0, snaplen) } : f));
}

function secondsToNs(s: number): bigint {
  // split to keep nanosecond precision for epoch-sized values (a double holds ~µs there)
  const whole = Math.floor(s);
  return BigInt(whole) * 1_000_000_000n + BigInt(Math.round((s - whole) * 1e9));
}

/** One TCP connection's ladder. Frame numbers returned are 1-based, trace-wide. */
export class TcpLadder {
  readonly c: Endpoint;
  readonly s: Endpoint;
  readonly v6: boolean;

  constructor(
    private readonly trace: TraceBuilder,
    private readonly opts: ConnectionOptions,
    index: number,
  ) {
    const cl = parseEndpoint(opts.client);
    const sv = parseEndpoint(opts.server);
    this.v6 = isIpv6Text(cl.addr);
    if (this.v6 !== isIpv6Text(sv.addr)) throw new Error('client and server must both be IPv4 or both IPv6');
    // distinct, recognisable default ISNs per connection; 0x80000000-ish to exercise uint32 wrap maths
    const mk = (e: { addr: string; port: number }, isn: number, win: number | undefined, ttl: number | undefined, mac: string, stack: StackProfile | undefined): Endpoint => {
      const scaled = stack !== undefined && opts.windowScale !== undefined && opts.windowScale !== null;
      const window = win ?? (stack ? (scaled ? stack.scaledWindow : stack.window) : 65535);
      return {
        addr: e.addr,
        port: e.port,
        isn: isn >>> 0,
        next: 0,
        ipId: 0x100 * index,
        window,
        synWindow: stack && win === undefined ? stack.window : window,
        ttl: ttl ?? stack?.ttl ?? 64,
        mac,
        lastTsVal: -1,
        stack: stack ?? null,
        ids: stack ? new ProfileIds(stack, trace.host(e.addr)) : null,
      };
    };
    this.c = mk(cl, opts.clientIsn ?? 0x10000000 * index + 1000, opts.clientWindow, opts.clientTtl, opts.clientMac ?? '02:00:00:00:00:01', opts.clientStack);
    this.s = mk(sv, opts.serverIsn ?? 0xf0000000 - 0x01000000 * index, opts.serverWindow, opts.serverTtl, opts.serverMac ?? '02:00:00:00:00:02', opts.serverStack);
  }

  private side(side: Side): Endpoint {
    return side === 'client' ? this.c : this.s;
  }

  /** SYN, SYN-ACK, ACK with the connection's MSS / window-scale / SACK-permitted options. */
  handshake(): number[] {
    return [this.client('S', undefined, { options: this.synOptions(this.c) }), this.server('SA', undefined, { options: this.synOptions(this.s) }), this.client('A')];
  }

  /** The options `e` puts in its SYN: the connection's, or with a profile the profile's MSS and shift. */
  synOptions(e: Endpoint): SendTcpOptions {
    const o: SendTcpOptions = {};
    const mss = this.opts.mss === undefined ? (e.stack?.mss ?? 1460) : this.opts.mss;
    if (mss !== null) o.mss = mss;
    if (this.opts.windowScale !== undefined && this.opts.windowScale !== null) o.windowScale = e.stack ? e.stack.windowScale : this.opts.windowScale;
    if (this.opts.sackPermitted) o.sackPermitted = true;
    return o;
  }

  client(flags: string, payload?: Payload, o?: SendOptions): number {
    return this.send('client', flags, payload, o);
  }

  server(flags: string, payload?: Payload, o?: SendOptions): number {
    return this.send('server', flags, payload, o);
  }

  /** Writes one segment from `side`; returns its frame number. */
  send(side: Side, flags: string | number, payload?: Payload, o: SendOptions = {}): number {
    const me = this.side(side);
    const peer = this.side(side === 'client' ? 'server' : 'client');
    const bits = parseTcpFlags(flags);
    const data = payloadBytes(payload);
    const relSeq = o.seq ?? me.next;
    const seq = o.rawSeq ?? (me.isn + relSeq) >>> 0;
    const ack = bits & TcpFlag.ACK ? (o.rawAck ?? (peer.isn + (o.ack ?? peer.next)) >>> 0) : (o.rawAck ?? 0);
    const consumed = data.length + (bits & TcpFlag.SYN ? 1 : 0) + (bits & TcpFlag.FIN ? 1 : 0);
    if (!o.noAdvance && o.rawSeq === undefined) me.next = Math.max(me.next, relSeq + consumed);

    if (o.dt) this.trace.wait(o.dt);
    const opt: TcpOptionsSpec = {};
    const so = o.options;
    if (so?.mss !== undefined) opt.mss = so.mss;
    if (so?.windowScale !== undefined) opt.windowScale = so.windowScale;
    if (so?.sackPermitted) opt.sackPermitted = true;
    if (so?.sack) opt.sack = so.sack.map(([l, r]) => [(peer.isn + l) >>> 0, (peer.isn + r) >>> 0]);
    if (so?.ts) opt.ts = so.ts;
    else if (this.opts.timestamps) {
      // TSval: a millisecond clock; TSecr: the peer's last TSval (0 on a SYN, RFC 7323 §3.2)
      const tsVal = Math.floor(this.trace.now() * 1000) >>> 0;
      opt.ts = [tsVal, bits & TcpFlag.ACK && peer.lastTsVal >= 0 ? peer.lastTsVal : 0];
    }
    if (o.rawOptions) opt.raw = o.rawOptions;
    if (opt.ts) me.lastTsVal = opt.ts[0];

    let ipId: number;
    if (o.ipId !== undefined) ipId = o.ipId;
    else if (me.ids !== null) {
      const kind = o.closedSocket ? 'closed' : (bits & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK) ? 'syn-ack' : 'socket';
      ipId = me.ids.next(this.trace.now(), kind);
    } else ipId = me.ipId;
    me.ipId = (ipId + 1) & 0xffff;
    const spec: FrameSpec = {
      linkType: this.trace.linkType,
      srcMac: me.mac,
      dstMac: peer.mac,
      sllPacketType: side === 'client' ? 4 : 0,
      ip: {
        src: me.addr,
        dst: peer.addr,
        ttl: o.ttl ?? me.ttl,
        id: ipId,
        df: o.df ?? me.stack?.df ?? true,
      },
      tcp: {
        srcPort: me.port,
        dstPort: peer.port,
        seq,
        ack,
        flags: bits,
        window: o.window ?? (bits & TcpFlag.SYN ? me.synWindow : me.window),
        urgent: o.urgent ?? 0,
        options: opt,
        payload: data,
      },
    };
    if (this.opts.vlan) spec.vlan = this.opts.vlan;
    return this.trace.raw(buildFrame(spec));
  }

  /** A segment lost before the capture point: `side`'s sequence advances, nothing is written. */
  lose(side: Side, payload: string | Buffer | number): void {
    this.side(side).next += payloadBytes(payload).length;
  }

  /** Relative next sequence number of `side` (Wireshark-style: 1 after the SYN). */
  nextSeq(side: Side): number {
    return this.side(side).next;
  }

  /** IP ID of the last segment `side` sent (what a forger answering it may copy). */
  lastIpId(side: Side): number {
    return (this.side(side).ipId + 0xffff) & 0xffff;
  }

  /** Absolute ISN of `side`. */
  isn(side: Side): number {
    return this.side(side).isn;
  }

  /** Sends `bytes` of filler (or the given data) from `side` in segments of at most `segment`
   *  bytes, flags PA on the last one and A on the others. Returns the frame numbers. */
  stream(side: Side, data: string | Buffer | number, segment = 1460): number[] {
    const all = payloadBytes(data);
    const out: number[] = [];
    for (let off = 0; off < all.length; off += segment) {
      const piece = all.subarray(off, off + segment);
      out.push(this.send(side, off + segment >= all.length ? 'PA' : 'A', piece));
    }
    return out;
  }

  /** Orderly close: client FIN/ACK, server ACK, server FIN/ACK, client ACK. */
  close(): number[] {
    return [this.client('FA'), this.server('A'), this.server('FA'), this.client('A')];
  }
}
