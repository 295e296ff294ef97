// An endpoint's state changes, packed: two numbers per change in one array of doubles, the frame
// with the state's code in its low 4 bits (frame * 16 + code: exact up to 2^49 frames) and the
// time. As objects each change cost an object and a boxed time (~56 B) plus its slot; an endpoint
// averages about four changes, and every connection has two endpoints, so at 10^5 open
// connections the objects alone came to ~50 MB. Three numbers per change were ~0.11 KB per log.
// The array grows two changes at a time up to six, then doubles: an endpoint's whole
// life (a handshake, a close: five or six changes) takes three arrays, not one per change, and
// an open one holding two changes an exact pair.

import { doubles } from './doubles.ts';
import { TcpStates, type TcpState, type Transition } from './types.ts';

/** A state's code is its index in TcpStates (a property per state: a Map lookup per change was
 *  a measurable share of a short connection's cost). */
const CODE = Object.fromEntries(TcpStates.map((s, i) => [s, i])) as Record<TcpState, number>;
/** Codes a tag leaves room for (TcpStates has 12). */
const STATE_CODES = 16;

/** Changes kept per endpoint: the first MAX_TRANSITIONS - 1 and the latest (untrusted input can
 *  make a state machine go round; a real endpoint changes state a handful of times). */
export const MAX_TRANSITIONS = 64;

/** The log of an endpoint that never changed state: one frozen empty array for all. */
const NONE: number[] = Object.freeze([]) as unknown as number[];

/** Slots of a full log. */
const FULL = 2 * MAX_TRANSITIONS;

export class TransitionLog {
  /** frame * 16 + state code, time (seconds), per change, oldest first (its own array, of
   *  unboxed doubles, from the first change on); the slots in use are the first min(n, FULL) */
  private packed: number[] = NONE;
  /** Slots in use, and past FULL the changes not kept on top: one field (a log is one object
   *  per endpoint, and changes are only dropped once every slot is in use). */
  private n = 0;

  /** Changes recorded. */
  get length(): number {
    return (this.n < FULL ? this.n : FULL) / 2;
  }

  /** Changes not kept: between the first MAX_TRANSITIONS - 1 and the latest. */
  get notKept(): number {
    return this.n > FULL ? this.n - FULL : 0;
  }

  push(state: TcpState, frame: number, time: number): void {
    let p = this.packed;
    const tag = frame * STATE_CODES + CODE[state];
    const n = this.n;
    if (n >= FULL) {
      // full: the last slot always holds the latest change
      this.n = n + 1;
      p[FULL - 2] = tag;
      p[FULL - 1] = time;
      return;
    }
    if (n === p.length) {
      // not push(): push onto [] reserves 17 slots and then half as many again, and an endpoint
      // changes state a handful of times while it may stay open for hours
      const grown = doubles(n < 12 ? n + 4 : Math.min(2 * n, FULL));
      for (let i = 0; i < n; i++) grown[i] = p[i]!;
      this.packed = p = grown;
    }
    p[n] = tag;
    p[n + 1] = time;
    this.n = n + 2;
  }

  /** The `i`-th change (0 is the first). */
  at(i: number): Transition {
    const tag = this.packed[2 * i]!;
    const code = tag % STATE_CODES;
    return { state: TcpStates[code]!, frame: (tag - code) / STATE_CODES, time: this.packed[2 * i + 1]! };
  }

  /** All changes as objects, oldest first. */
  list(): Transition[] {
    const out: Transition[] = [];
    for (let i = 0, len = this.length; i < len; i++) out.push(this.at(i));
    return out;
  }

  /** The JSON report shows the changes as a list of objects. */
  toJSON(): Transition[] {
    return this.list();
  }
}
