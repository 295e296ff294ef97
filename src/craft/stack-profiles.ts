// TCP/IP stack profiles for crafted traces: what a host's stack writes into the headers the
// diagnosis reads as evidence (initial TTL, IPv4 identification, DF, windows and options) and how
// it acknowledges (quick or delayed ACKs). A TcpLadder given a profile for a side writes that
// side's segments the way such a host would; scenario code reads ackEvery/ackDelay to place ACKs.
//
// IP ID behaviour (RFC 6864 §4 and the stacks' sources):
//   Linux          a counter per connected socket, random start, +1 per segment (DF set). The
//                  SYN-ACK is built before the socket exists and carries ID 0, as do RSTs sent
//                  for a connection the host no longer knows (the per-namespace control socket).
//   old Windows    one counter for the whole host, +1 per packet of any connection or protocol,
//                  so a connection's own segments show rises of 1 plus the host's other traffic.
//                  Delayed ACK timer 200 ms, ACK every second full segment.
//   FreeBSD/macOS  net.inet.ip.random_id: a pseudo-random ID per packet.
//   embedded       lwIP-like stacks that never change the ID (one constant value).
//   ID 0 + DF      stacks that write 0 whenever DF is set (Linux 2.4, some BSD configurations).

export type IpIdPolicy = 'per-connection' | 'host-wide' | 'random' | 'constant' | 'zero';

export interface StackProfile {
  name: string; //            short label for test titles
  ttl: number; //             initial TTL / hop limit
  ipId: IpIdPolicy;
  constantId: number; //      the ID a 'constant' stack writes
  otherTraffic: number; //    'host-wide': packets per second the host sends on other connections
  df: boolean; //             DF bit on TCP segments
  synAckIdZero: boolean; //   its SYN-ACK carries IP ID 0 (Linux)
  closedSocketIdZero: boolean; // an RST for a connection it no longer knows carries IP ID 0 (Linux)
  window: number; //          window field of its SYN (unscaled) and of later segments with scaling off
  windowScale: number; //     shift it offers when window scaling is on
  scaledWindow: number; //    window field once scaling is in use (bytes >> windowScale)
  mss: number;
  ackEvery: number; //        full-size segments per immediate ACK (1: quick ACKs)
  ackDelay: number; //        seconds a delayed ACK waits (the last odd segment of a burst)
  // Retransmission timer (RFC 6298: doubled at each timeout, up to a ceiling), for segments
  // nobody acknowledges: Linux tcp_retries2 = 15, TCP_RTO_MIN 200 ms, TCP_RTO_MAX 120 s; Windows
  // TcpMaxDataRetransmissions = 5, 300 ms minimum, and an RST when it gives up; FreeBSD
  // net.inet.tcp.rexmit_min 30 ms plus the RTT estimate, 64 s ceiling, 12 tries; lwIP a 3 s
  // start (TCP_SLOW_INTERVAL ticks), backoff shifts up to 7, TCP_MAXRTX 12.
  rto: number; //             seconds before the first retransmission on a short path
  rtoMax: number; //          seconds the timer never exceeds
  retries: number; //         retransmissions before it gives up
  rstOnGiveUp: boolean; //    it sends an RST when it gives up
}

const base = { constantId: 0, otherTraffic: 0, synAckIdZero: false, closedSocketIdZero: false, df: true, mss: 1460 };

/** The profiles every crafted scenario is generated under. */
export const STACK_PROFILES: Readonly<Record<'linux' | 'windows' | 'bsd' | 'embedded' | 'zeroId', StackProfile>> = {
  linux: {
    ...base,
    name: 'linux',
    ttl: 64,
    ipId: 'per-connection',
    synAckIdZero: true,
    closedSocketIdZero: true,
    window: 64240,
    windowScale: 7,
    scaledWindow: 502,
    ackEvery: 1, //  quick-ACK mode at the start of a connection
    ackDelay: 0.04,
    rto: 0.2,
    rtoMax: 120,
    retries: 15,
    rstOnGiveUp: false,
  },
  windows: {
    ...base,
    name: 'old-windows',
    ttl: 128,
    ipId: 'host-wide',
    otherTraffic: 40,
    window: 64240,
    windowScale: 8,
    scaledWindow: 256,
    ackEvery: 2,
    ackDelay: 0.2,
    rto: 0.3,
    rtoMax: 60,
    retries: 5,
    rstOnGiveUp: true,
  },
  bsd: {
    ...base,
    name: 'bsd-macos',
    ttl: 64,
    ipId: 'random',
    window: 65535,
    windowScale: 6,
    scaledWindow: 1026,
    ackEvery: 2,
    ackDelay: 0.1,
    rto: 0.23,
    rtoMax: 64,
    retries: 12,
    rstOnGiveUp: false,
  },
  embedded: {
    ...base,
    name: 'embedded',
    ttl: 255,
    ipId: 'constant',
    constantId: 0x1a2b,
    df: false,
    window: 5840,
    windowScale: 0,
    scaledWindow: 5840,
    mss: 536,
    ackEvery: 1,
    ackDelay: 0.25,
    rto: 3,
    rtoMax: 384,
    retries: 12,
    rstOnGiveUp: false,
  },
  zeroId: {
    ...base,
    name: 'ip-id-0-df',
    ttl: 64,
    ipId: 'zero',
    window: 29200,
    windowScale: 7,
    scaledWindow: 229,
    ackEvery: 2,
    ackDelay: 0.04,
    rto: 0.2,
    rtoMax: 120,
    retries: 15,
    rstOnGiveUp: false,
  },
};

/** A small deterministic PRNG (mulberry32): crafted traces must be the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a host keeps across its connections: the host-wide counter and the random source. */
export class HostIdState {
  private counter: number; //   next host-wide ID
  private lastTime = -1; //     capture time of its last packet, seconds (-1: none yet)

  constructor(private readonly random: () => number) {
    this.counter = 1 + Math.floor(random() * 60000);
  }

  /** The next host-wide ID at capture time `now`: the host's other traffic since its last packet
   *  moved the counter too (a Poisson-ish count at `rate` packets per second). */
  nextHostWide(now: number, rate: number): number {
    if (this.lastTime >= 0 && now > this.lastTime) this.counter += Math.floor((now - this.lastTime) * rate * (0.5 + this.random()));
    this.lastTime = now;
    const id = this.counter & 0xffff;
    this.counter = (this.counter + 1) & 0xffff;
    return id === 0 ? this.nextHostWide(now, 0) : id;
  }

  randomId(): number {
    return 1 + Math.floor(this.random() * 65535);
  }
}

/** One side of one connection under a profile: the IP ID of each segment it sends. */
export class ProfileIds {
  private perConnection: number; // next per-connection ID

  constructor(
    readonly profile: StackProfile,
    private readonly host: HostIdState,
  ) {
    this.perConnection = host.randomId();
  }

  /** `kind`: 'syn-ack' for its SYN-ACK, 'closed' for a segment sent without the connection's
   *  socket (an RST for a connection it no longer knows), else 'socket'. */
  next(now: number, kind: 'socket' | 'syn-ack' | 'closed'): number {
    const p = this.profile;
    if ((kind === 'syn-ack' && p.synAckIdZero) || (kind === 'closed' && p.closedSocketIdZero)) return 0;
    switch (p.ipId) {
      case 'per-connection': {
        const id = this.perConnection;
        this.perConnection = (id + 1) & 0xffff;
        return id;
      }
      case 'host-wide':
        return this.host.nextHostWide(now, p.otherTraffic);
      case 'random':
        return this.host.randomId();
      case 'constant':
        return p.constantId;
      case 'zero':
        return 0;
    }
  }
}
