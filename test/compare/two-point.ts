// Test support: one TCP conversation written into two traces at once, as two capture points
// would record it: the client-side point A and the server-side point B, with a NAT in between
// (the client's address changes), a one-way delay, a router hop (TTL − 1) and B's clock off by
// `offset`. Steps can be seen at one point only (lost, injected) or differ (rewritten); B's clock
// can step, and B's capture can start late or stop early.

import { TraceBuilder, type SendOptions, type TcpLadder } from '../../src/craft/trace-builder.ts';

export interface TwoPointOptions {
  offset: number; //  B's clock minus A's, seconds
  delay: number; //   one-way delay between A and B, seconds
  start?: number; //  A's clock at the first step
}

type Side = 'client' | 'server';
type Payload = string | number | undefined;

export class TwoPoint {
  readonly a: TraceBuilder;
  readonly b: TraceBuilder;
  readonly la: TcpLadder;
  readonly lb: TcpLadder;
  private t: number; // A's clock of the next step
  private bStep = 0; //  seconds B's clock has jumped since the start (stepB)
  private bStopped = false; // B's capture has stopped (stopB): later steps are not recorded there

  constructor(
    private readonly o: TwoPointOptions,
    ends: { clientA: string; clientB: string; server: string; clientIsn?: number; serverIsn?: number; clientIsnB?: number; serverIsnB?: number },
  ) {
    this.t = o.start ?? 1_700_000_000;
    this.a = new TraceBuilder({ start: this.t, step: 0 });
    this.b = new TraceBuilder({ start: this.t + o.offset, step: 0 });
    const isn = { clientIsn: ends.clientIsn ?? 0x11223344, serverIsn: ends.serverIsn ?? 0x55667788 };
    this.la = this.a.tcp({ client: ends.clientA, server: ends.server, ...isn, clientTtl: 64, serverTtl: 63 });
    this.lb = this.b.tcp({
      client: ends.clientB,
      server: ends.server,
      ...isn,
      ...(ends.clientIsnB !== undefined ? { clientIsn: ends.clientIsnB } : {}),
      ...(ends.serverIsnB !== undefined ? { serverIsn: ends.serverIsnB } : {}),
      clientTtl: 63,
      serverTtl: 64,
    });
  }

  private at(tb: TraceBuilder, t: number): void {
    const wait = t - tb.now();
    if (wait > 0) tb.wait(wait);
  }

  /** B's clock jumps forward by `seconds` (an NTP step during the capture). */
  stepB(seconds: number): void {
    this.bStep += seconds;
  }

  /** B's capture starts now: what B recorded so far is dropped (its frames number from 1 again). */
  startB(): void {
    this.b.takeFrames();
  }

  /** B's capture stops: later steps are recorded at A only (B's side still sends them). */
  stopB(): void {
    this.bStopped = true;
  }

  /** Waits `seconds` on A's clock before the next step (an idle period). */
  idle(seconds: number): void {
    this.t += seconds;
  }

  /** A segment from `side` seen at both points (upstream first). `bPayload`/`bOpts`: what the
   *  downstream point sees instead (a rewrite). Returns [frame in A, frame in B]. */
  send(side: Side, flags: string, payload?: Payload, opts: { a?: SendOptions; b?: SendOptions; bPayload?: Payload; gap?: number; delay?: number } = {}): [number, number] {
    this.t += opts.gap ?? 0.01;
    const delay = opts.delay ?? this.o.delay; // this segment's (queued longer, say)
    const up = side === 'client' ? this.t : this.t + delay;
    const down = side === 'client' ? this.t + delay : this.t;
    this.at(this.a, up);
    const fa = this.la.send(side, flags, payload, opts.a ?? {});
    if (this.bStopped) return [fa, 0];
    this.at(this.b, down + this.o.offset + this.bStep);
    const fb = this.lb.send(side, flags, opts.bPayload ?? payload, opts.b ?? {});
    return [fa, fb];
  }

  /** Two segments in flight at once: `first` leaves its sender, `second` leaves the other end
   *  `lag` seconds later, and each takes `delay` (> lag) between the points, so each point sees
   *  its own side's segment first. Both carry the acknowledgment their sender had (neither has
   *  seen the other's segment). Returns [[A frame, B frame] of first, [A frame, B frame] of second]. */
  cross(first: { side: Side; flags: string; payload?: Payload }, second: { flags: string; payload?: Payload }, lag: number, delay: number): [[number, number], [number, number]] {
    const sides: [Side, Side] = [first.side, first.side === 'client' ? 'server' : 'client'];
    const segs = [first, { ...second, side: sides[1] }];
    // relative acks as each sender had them: the peer's next sequence number before either was sent
    // (per capture: an ALG rewrite earlier may have shifted B's numbering)
    const acks = { a: sides.map((s) => this.la.nextSeq(s === 'client' ? 'server' : 'client')), b: sides.map((s) => this.lb.nextSeq(s === 'client' ? 'server' : 'client')) };
    this.t += 0.01;
    const t0 = this.t;
    const frames: Array<[number, number]> = [
      [0, 0],
      [0, 0],
    ];
    for (const point of ['a', 'b'] as const) {
      // when each segment passes this point: at once next to its sender, `delay` later else
      const near = (s: Side) => (s === 'client') === (point === 'a');
      const times = segs.map((g, k) => t0 + (k === 0 ? 0 : lag) + (near(g.side) ? 0 : delay));
      const order = times[0]! <= times[1]! ? [0, 1] : [1, 0];
      const tb = point === 'a' ? this.a : this.b;
      const ladder = point === 'a' ? this.la : this.lb;
      for (const k of order) {
        this.at(tb, times[k]! + (point === 'b' ? this.o.offset + this.bStep : 0));
        frames[k]![point === 'a' ? 0 : 1] = ladder.send(segs[k]!.side, segs[k]!.flags, segs[k]!.payload, { ack: acks[point][k]! });
      }
    }
    this.t = t0 + lag + delay; // both have arrived
    return [frames[0]!, frames[1]!];
  }

  /** A segment seen at one point only. */
  only(point: 'a' | 'b', side: Side, flags: string, payload?: Payload, opts: SendOptions = {}): number {
    this.t += 0.01;
    if (point === 'a') {
      this.at(this.a, this.t);
      return this.la.send(side, flags, payload, opts);
    }
    this.at(this.b, this.t + this.o.offset + this.bStep);
    return this.lb.send(side, flags, payload, opts);
  }
}
