// The seed FTP cases, crafted as whole sessions (control connection plus data connection) under a
// stack profile: the same story written the way each stack would write it (its IP IDs, TTL,
// windows, options and ACK timing), so a test can check that the diagnosis does not depend on
// the stack. Every scenario exists in both directions (upload, download) and both modes (passive,
// active), with and without timestamps/SACK/window scaling.
//
// The capture point sits next to the FTP client: the client's packets carry its initial TTL, the
// server's arrive HOPS routers later, a reply from the server comes RTT after what it answers.
//
//   healthy            login, PASV/PORT, STOR/RETR with a moment of zero window (flow control), 226, QUIT
//   transfer-rst       the client ends the data connection with RST: after the whole upload (426
//                      although every byte was acknowledged), or in the middle of a download (426)
//   stray-ack          after both FINs on the data connection its receiver repeats its last ACK;
//                      the sender, already closed, answers with RST
//   stray-ack-older    the same with the delayed ACK of the data before the FIN, sent after the
//                      ACK of the FIN (its ack lies below the one already sent): the NT ladder
//   early-half-close   the client shuts down its sending side of the control connection right
//                      after STOR/RETR; the server still answers and the transfer completes
//   forged-rst         an IPS drops STOR/RETR and forges an RST in the server's name (another TTL)
//   nat-idle           the control connection sits silent through a 7-minute transfer; a NAT
//                      forgets it, drops the 226, and answers the client's NOOP with a forged RST
//   forged-cut         an IPS beside the server cuts the transfer half-way: it drops what the
//                      client sends and answers each of its segments with an RST in the server's
//                      name that copies the segment's IP ID, at the server's own TTL; seen one
//                      round trip later, each RST answers a segment the client sent an RTT before.
//                      The server's own stack, which never got them, still ACKs (upload) or sends
//                      data (download) between the RSTs; the client's stack answers that with RST,
//                      and the server answers 426

import { TraceBuilder, type Side, type TcpLadder } from './trace-builder.ts';
import type { StackProfile } from './stack-profiles.ts';

export const SEED_SCENARIOS = ['healthy', 'transfer-rst', 'stray-ack', 'stray-ack-older', 'early-half-close', 'forged-rst', 'nat-idle', 'forged-cut'] as const;
export type SeedScenario = (typeof SEED_SCENARIOS)[number];

export interface ScenarioOptions {
  scenario: SeedScenario;
  client: StackProfile; //      the FTP client host's stack
  server: StackProfile; //      the FTP server host's stack
  tcpOptions: boolean; //       timestamps, SACK-permitted and window scaling on every connection
  direction: 'upload' | 'download';
  mode: 'passive' | 'active';
  seed?: number; //             of the random IP IDs and counter starts
}

export const CLIENT_ADDR = '192.0.2.10';
export const SERVER_ADDR = '198.51.100.20';
const HOPS = 10; //            routers between the capture point and the server
const RTT = 0.02; //           seconds, capture point → server → capture point
const TURN = 0.0002; //        seconds the client host takes to answer what just arrived
const FORGER_TTL = 61; //      an IPS three hops away that starts from 64
const NAT_TTL = 64; //         the NAT router next to the client writes its own packets with 64
const SEGMENTS = 10; //        data segments of a transfer
const FLIGHT = 4; //           segments sent before waiting for an ACK
const DATA_PORT = 50020; //    passive port (server) / active port (client)
const CUT_STEP = 0.002; //     seconds between the segments a forger answers, and so between its RSTs

type Host = 'client' | 'server'; // the FTP client host or the FTP server host

/** The trace of one seed scenario under one profile. */
export function craftScenario(o: ScenarioOptions): TraceBuilder {
  return new ScenarioWriter(o).write();
}

class ScenarioWriter {
  readonly t: TraceBuilder;
  readonly ctl: TcpLadder;
  private data: TcpLadder | null = null;
  private dataClientHost: Host = 'client'; // which host is the data connection's TCP client
  private readonly name: string;
  private readonly size: number;

  constructor(private readonly o: ScenarioOptions) {
    this.t = new TraceBuilder({ start: 1_700_000_000, step: 0.0001, seed: o.seed ?? 1 });
    this.ctl = this.connection('client', `${CLIENT_ADDR}:40110`, `${SERVER_ADDR}:21`);
    this.name = o.direction === 'upload' ? 'upload.bin' : 'report.pdf';
    this.size = SEGMENTS * this.segmentSize();
  }

  // ---- connections and hosts

  private connection(tcpClientHost: Host, client: string, server: string): TcpLadder {
    const near = this.o.client;
    const far = this.o.server;
    const farTtl = Math.max(1, far.ttl - HOPS);
    const [cs, ss] = tcpClientHost === 'client' ? [near, far] : [far, near];
    return this.t.tcp({
      client,
      server,
      clientStack: cs,
      serverStack: ss,
      clientTtl: tcpClientHost === 'client' ? near.ttl : farTtl,
      serverTtl: tcpClientHost === 'client' ? farTtl : near.ttl,
      windowScale: this.o.tcpOptions ? 0 : null, // each side offers its profile's shift
      sackPermitted: this.o.tcpOptions,
      timestamps: this.o.tcpOptions,
    });
  }

  /** Payload bytes per data segment: the smaller MSS less the timestamp option. */
  private segmentSize(): number {
    return Math.min(this.o.client.mss, this.o.server.mss) - (this.o.tcpOptions ? 12 : 0);
  }

  private stack(host: Host): StackProfile {
    return host === 'client' ? this.o.client : this.o.server;
  }

  /** Seconds between what the other host sent and `host`'s answer, as the capture point sees it. */
  private lag(host: Host): number {
    return host === 'client' ? TURN : RTT;
  }

  private dataSide(host: Host): Side {
    return host === this.dataClientHost ? 'client' : 'server';
  }

  // ---- the session

  write(): TraceBuilder {
    const o = this.o;
    const ctl = this.ctl;
    ctl.handshake();
    this.reply('220 crafted FTP server ready');
    this.command('USER ftpuser', '331 Please specify the password.');
    this.command('PASS secret', '230 Login successful.');
    this.command('TYPE I', '200 Switching to Binary mode.');
    const verb = o.direction === 'upload' ? 'STOR' : 'RETR';
    if (o.mode === 'passive') {
      this.command('PASV', `227 Entering Passive Mode (${SERVER_ADDR.replaceAll('.', ',')},${DATA_PORT >> 8},${DATA_PORT & 0xff}).`);
      this.dataClientHost = 'client';
      this.data = this.connection('client', `${CLIENT_ADDR}:40111`, `${SERVER_ADDR}:${DATA_PORT}`);
      this.data.client('S', undefined, { dt: 0.001, options: this.data.synOptions(this.data.c) });
      this.data.server('SA', undefined, { dt: RTT, options: this.data.synOptions(this.data.s) });
      this.data.client('A', undefined, { dt: TURN });
    } else {
      this.command('PORT ' + `${CLIENT_ADDR.replaceAll('.', ',')},${DATA_PORT >> 8},${DATA_PORT & 0xff}`, '200 PORT command successful. Consider using PASV.');
      this.dataClientHost = 'server';
      this.data = this.connection('server', `${SERVER_ADDR}:20`, `${CLIENT_ADDR}:${DATA_PORT}`);
    }

    if (o.scenario === 'forged-rst') return this.forgedReset(verb);

    ctl.client('PA', `${verb} ${this.name}\r\n`, { dt: 0.002 });
    if (o.scenario === 'early-half-close') ctl.client('FA', undefined, { dt: TURN });
    if (o.mode === 'active') {
      const d = this.data;
      d.client('S', undefined, { dt: RTT, options: d.synOptions(d.c) });
      d.server('SA', undefined, { dt: TURN, options: d.synOptions(d.s) });
      d.client('A', undefined, { dt: RTT });
    }
    const sizeText = o.direction === 'download' ? ` (${this.size} bytes)` : '';
    this.reply(`150 Opening BINARY mode data connection for ${this.name}${sizeText}.`, o.mode === 'active' ? TURN : RTT);

    const sender: Host = o.direction === 'upload' ? 'client' : 'server';
    const receiver: Host = sender === 'client' ? 'server' : 'client';
    switch (o.scenario) {
      case 'transfer-rst':
        return this.transferReset(sender);
      case 'nat-idle':
        return this.natIdle(sender);
      case 'forged-cut':
        return this.forgedCut(sender);
      default:
        break;
    }
    this.transfer(sender, this.size, o.scenario === 'healthy');
    if (o.scenario === 'stray-ack' || o.scenario === 'stray-ack-older') this.strayClose(sender, receiver, o.scenario === 'stray-ack-older');
    else this.closeData(sender);
    this.reply('226 Transfer complete.', sender === 'server' ? TURN : RTT);
    if (o.scenario === 'early-half-close') {
      // the client had closed its side: the server closes too, nothing more is said
      ctl.server('FA', undefined, { dt: 0.001 });
      ctl.client('A', undefined, { dt: TURN });
      return this.t;
    }
    this.quit();
    return this.t;
  }

  /** The client sends a command line; the server answers it one round trip later. */
  private command(line: string, reply: string): void {
    this.ctl.client('PA', `${line}\r\n`, { dt: 0.003 });
    this.reply(reply);
  }

  /** A server reply `dt` after what it answers, and the client's ACK (delayed by its stack). */
  private reply(text: string, dt = RTT): void {
    this.ctl.server('PA', `${text}\r\n`, { dt });
    const s = this.o.client;
    this.ctl.client('A', undefined, { dt: s.ackEvery > 1 ? s.ackDelay : TURN });
  }

  private quit(): void {
    this.command('QUIT', '221 Goodbye.');
    const ctl = this.ctl;
    ctl.server('FA', undefined, { dt: 0.0005 });
    ctl.client('FA', undefined, { dt: TURN });
    ctl.server('A', undefined, { dt: RTT });
  }

  // ---- the data connection

  /**
   * `bytes` from `sender` in flights of FLIGHT segments; the receiver acknowledges as its stack
   * does (every ackEvery-th segment at once, an odd last one after its delayed-ACK timer).
   * `flowControl`: once, the receiver's buffer fills and it advertises a zero window for half a
   * millisecond before a window update (healthy flow control). Returns the data frames.
   */
  private transfer(sender: Host, bytes: number, flowControl: boolean, gap = 0): number[] {
    const d = this.data!;
    const s = this.dataSide(sender);
    const r: Side = s === 'client' ? 'server' : 'client';
    const receiver: Host = sender === 'client' ? 'server' : 'client';
    const stack = this.stack(receiver);
    const seg = this.segmentSize();
    const frames: number[] = [];
    let sent = 0;
    let flight = 0;
    while (sent < bytes) {
      let unacked = 0;
      for (let inFlight = 0; inFlight < FLIGHT && sent < bytes; inFlight++) {
        const len = Math.min(seg, bytes - sent);
        sent += len;
        const dt = gap > 0 || inFlight === 0 ? (gap > 0 ? gap : this.lag(sender)) : 0.0001;
        frames.push(d.send(s, sent >= bytes ? 'PA' : 'A', len, { dt }));
        unacked++;
        if (unacked >= stack.ackEvery) {
          d.send(r, 'A', undefined, { dt: this.lag(receiver) / 4 });
          unacked = 0;
        } else if (gap > stack.ackDelay) {
          // the next segment comes after the delayed-ACK timer fired
          d.send(r, 'A', undefined, { dt: stack.ackDelay });
          unacked = 0;
        }
      }
      if (unacked > 0) d.send(r, 'A', undefined, { dt: stack.ackDelay });
      flight++;
      if (flowControl && flight === 1 && sent < bytes) {
        // the application has not read yet: window 0, then a window update once it has
        d.send(r, 'A', undefined, { dt: 0.0001, window: 0 });
        d.send(r, 'A', undefined, { dt: 0.0005 });
      }
    }
    return frames;
  }

  /** The sender closes first, then the receiver: FIN, ACK, FIN, ACK. */
  private closeData(sender: Host): void {
    const d = this.data!;
    const s = this.dataSide(sender);
    const r: Side = s === 'client' ? 'server' : 'client';
    const receiver: Host = sender === 'client' ? 'server' : 'client';
    d.send(s, 'FA', undefined, { dt: 0.0005 });
    d.send(r, 'A', undefined, { dt: this.lag(receiver) });
    d.send(r, 'FA', undefined, { dt: 0.0005 });
    d.send(s, 'A', undefined, { dt: this.lag(sender) });
  }

  /** Both FINs, then the receiver's stray ACK (a repeat, or the older delayed ACK of the data
   *  before the FIN), which the sender, already closed, answers with RST. */
  private strayClose(sender: Host, receiver: Host, older: boolean): void {
    const d = this.data!;
    const r = this.dataSide(receiver);
    const s: Side = r === 'client' ? 'server' : 'client';
    this.closeData(sender);
    const dataEnd = 1 + this.size; // relative ack of the last data byte, the FIN not included
    d.send(r, 'A', undefined, older ? { dt: this.stack(receiver).ackDelay, ack: dataEnd } : { dt: 0.0008 });
    d.send(s, 'R', undefined, { dt: this.lag(sender), closedSocket: true, window: 0 });
  }

  // ---- scenario endings

  /** Upload: every byte sent and acknowledged, then the client's RST instead of FIN; download:
   *  the client aborts after part of the file. The server answers 426 either way. */
  private transferReset(sender: Host): TraceBuilder {
    const d = this.data!;
    const client = this.dataSide('client');
    if (sender === 'client') this.transfer('client', this.size, false);
    else this.transfer('server', Math.floor(this.size / 2), false);
    d.send(client, 'RA', undefined, { dt: 0.002 });
    this.reply('426 Connection closed; transfer aborted.', 0.001 + RTT);
    this.quit();
    return this.t;
  }

  /** The IPS drops STOR/RETR and answers the client with an RST in the server's name. The
   *  client gives up: it closes the data connection it had opened (passive). */
  private forgedReset(verb: string): TraceBuilder {
    const ctl = this.ctl;
    ctl.client('PA', `${verb} ${this.name}\r\n`, { dt: 0.002 });
    // a firewall's own packet: its TTL, IP ID 0 with DF (as netfilter's REJECT writes it), window 0
    ctl.server('R', undefined, { dt: RTT / 4, ttl: FORGER_TTL, ipId: 0, df: true, window: 0 });
    if (this.o.mode === 'passive') {
      const d = this.data!;
      d.client('FA', undefined, { dt: 0.001 });
      d.server('A', undefined, { dt: RTT });
      d.server('FA', undefined, { dt: 0.0005 });
      d.client('A', undefined, { dt: TURN });
    }
    return this.t;
  }

  /** Half the file, then the IPS beside the server cuts the data connection: each segment the
   *  client sends from then on (data of an upload, ACKs of a download) is dropped and answered
   *  with an RST in the server's name copying its IP ID, at the server's TTL as the capture sees
   *  it, one round trip later. Between the RSTs the server's own stack, which knows nothing of
   *  them, acknowledges what it had (upload) or sends more data (download); the client's stack,
   *  whose connection the first RST ended, answers that with an RST of its own. */
  private forgedCut(sender: Host): TraceBuilder {
    const d = this.data!;
    const c = this.dataSide('client');
    const sv = this.dataSide('server');
    const seg = this.segmentSize();
    const half = Math.floor(SEGMENTS / 2) * seg;
    this.transfer(sender, half, false);
    const ips = Math.max(1, this.o.server.ttl - HOPS); // beside the server: the server's hop count
    // what the client sends that the IPS drops and answers: data (upload) or ACKs (download)
    const answered: Array<{ id: number; ack: number }> = []; // each segment's IP ID and acknowledgment (relative)
    let elapsed = 0;
    for (let i = 0; i < FLIGHT; i++) {
      // 2 ms apart: a forger that copies a constant ID writes identical RSTs, which must not be
      // as close as one packet recorded twice
      if (sender === 'client') d.send(c, 'A', seg, { dt: i === 0 ? this.lag('client') : CUT_STEP });
      else {
        d.send(sv, 'A', seg, { dt: i === 0 ? RTT : CUT_STEP });
        d.send(c, 'A', undefined, { dt: TURN });
        elapsed += TURN;
      }
      elapsed += i === 0 ? 0 : CUT_STEP;
      answered.push({ id: d.lastIpId(c), ack: d.nextSeq(sv) });
    }
    // one RTT after each answered segment, its RST (sequence number: that segment's ack, as
    // RFC 9293 §3.10.7.1 builds it); the server's own segment after the first one
    const rst = (a: { id: number; ack: number }, dt: number) => d.send(sv, 'R', undefined, { dt, seq: a.ack, ttl: ips, ipId: a.id, df: true, window: 0, noAdvance: true });
    rst(answered[0]!, RTT - elapsed);
    if (sender === 'client') d.send(sv, 'A', undefined, { dt: CUT_STEP / 2, ack: 1 + half }); // what reached it
    else d.send(sv, 'A', seg, { dt: CUT_STEP / 2 });
    for (const [i, a] of answered.slice(1).entries()) rst(a, i === 0 ? CUT_STEP / 2 : CUT_STEP);
    // the client's stack no longer knows the connection
    d.send(c, 'R', undefined, { dt: TURN, closedSocket: true, window: 0 });
    this.reply('426 Connection closed; transfer aborted.', RTT);
    this.quit();
    return this.t;
  }

  /** A 7-minute transfer (one segment every 10 s): the control connection is silent all the
   *  while, the NAT forgets it and drops the 226; the client's NOOP 5 s later meets the NAT's
   *  forged RST. */
  private natIdle(sender: Host): TraceBuilder {
    this.transfer(sender, this.segmentSize() * 42, false, 10);
    this.closeData(sender);
    const ctl = this.ctl;
    ctl.client('PA', 'NOOP\r\n', { dt: 5 });
    ctl.server('R', undefined, { dt: 0.0003, ttl: NAT_TTL, ipId: 0, df: true, window: 0 });
    return this.t;
  }
}
