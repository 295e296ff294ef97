// Test support: one TCP conversation written into two traces at once, as two capture points
// would record it: the client-side point A and the server-side point B, with a NAT in between
// (the client's address changes), a one-way delay, a router hop (TTL − 1) and B's clock off by
// `offset`. Steps can be seen at one point only (lost, injected) or differ (rewritten).

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

  constructor(
    private readonly o: TwoPointOptions,
    ends: { clientA: string; clientB: string; server: string; clientIsn?: number; serverIsn?: number; clientIsnB?: number },
  ) {
    this.t = o.start ?? 1_700_000_000;
    this.a = new TraceBuilder({ start: this.t, step: 0 });
    this.b = new TraceBuilder({ start: this.t + o.offset, step: 0 });
    const isn = { clientIsn: ends.clientIsn ?? 0x11223344, serverIsn: ends.serverIsn ?? 0x55667788 };
    this.la = this.a.tcp({ client: ends.clientA, server: ends.server, ...isn, clientTtl: 64, serverTtl: 63 });
    this.lb = this.b.tcp({ client: ends.clientB, server: ends.server, ...isn, ...(ends.clientIsnB !== undefined ? { clientIsn: ends.clientIsnB } : {}), clientTtl: 63, serverTtl: 64 });
  }

  private at(tb: TraceBuilder, t: number): void {
    const wait = t - tb.now();
    if (wait > 0) tb.wait(wait);
  }

  /** A segment from `side` seen at both points (upstream first). `bPayload`/`bOpts`: what the
   *  downstream point sees instead (a rewrite). Returns [frame in A, frame in B]. */
  send(side: Side, flags: string, payload?: Payload, opts: { a?: SendOptions; b?: SendOptions; bPayload?: Payload; gap?: number } = {}): [number, number] {
    this.t += opts.gap ?? 0.01;
    const up = side === 'client' ? this.t : this.t + this.o.delay;
    const down = side === 'client' ? this.t + this.o.delay : this.t;
    this.at(this.a, up);
    const fa = this.la.send(side, flags, payload, opts.a ?? {});
    this.at(this.b, down + this.o.offset);
    const fb = this.lb.send(side, flags, opts.bPayload ?? payload, opts.b ?? {});
    return [fa, fb];
  }

  /** A segment seen at one point only. */
  only(point: 'a' | 'b', side: Side, flags: string, payload?: Payload, opts: SendOptions = {}): number {
    this.t += 0.01;
    if (point === 'a') {
      this.at(this.a, this.t);
      return this.la.send(side, flags, payload, opts);
    }
    this.at(this.b, this.t + this.o.offset);
    return this.lb.send(side, flags, payload, opts);
  }
}
