// Events of a live capture in time order. The pipeline tells a finding or a transfer when its
// subject is settled, and subjects settle out of order: a transfer refused with 425 is settled
// at its reply, while the transfers before it wait for their data connections' close-out grace
// (tcp closeGraceSeconds, 2 s of capture time). Each event carries its subject's time
// (subjects.ts); this holds events back until the capture clock is `hold` seconds past that time
// and writes them sorted, so the stream is in time order.
//
// Heading: late events.
// Definition: an event told more than `hold` after its time (a connection ended by the 10-minute
// idle timeout, an attempt to reach a server decided late) would break the order; it is written
// at once with the time of the last event written as its timestamp, and marked late. Its own time
// stays in its fields (a transfer's start and end, a connection's end).

export interface Stamp {
  time: number; //   the timestamp the event is written with (seconds since 1970)
  late: boolean; //  … later than its subject's time, to keep the order
}

export class TimeOrderedOutput<T> {
  private pending: Array<{ time: number; rank: number; seq: number; item: T }> = [];
  private seq = 0;
  private last = -Infinity; // timestamp of the last event written

  constructor(
    private readonly holdSeconds: number,
    private readonly write: (item: T, stamp: Stamp) => void,
  ) {}

  /** An event whose subject's time is `time`; `rank` orders events of one time (a transfer
   *  before the findings about it). */
  push(time: number, item: T, rank = 0): void {
    if (time < this.last) {
      this.write(item, { time: this.last, late: true });
      return;
    }
    this.pending.push({ time, rank, seq: this.seq++, item });
  }

  /** The capture clock reached `now`: writes what is `hold` seconds old, in order. */
  release(now: number): void {
    this.emit((e) => e.time <= now - this.holdSeconds);
  }

  /** The end of the capture: writes everything held, in order. */
  flush(): void {
    this.emit(() => true);
  }

  get held(): number {
    return this.pending.length;
  }

  private emit(due: (e: { time: number }) => boolean): void {
    if (this.pending.length === 0) return;
    this.pending.sort((a, b) => a.time - b.time || a.rank - b.rank || a.seq - b.seq);
    let n = 0;
    while (n < this.pending.length && due(this.pending[n]!)) n++;
    const out = this.pending.splice(0, n);
    for (const e of out) {
      this.last = Math.max(this.last, e.time);
      this.write(e.item, { time: e.time, late: false });
    }
  }
}
