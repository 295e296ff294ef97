// An endpoint's state changes, packed: two numbers per change in one array of doubles, the frame
// with the state's code in its low 4 bits (frame * 16 + code: exact up to 2^49 frames) and the
// time. As objects each change cost an object and a boxed time (~56 B) plus its slot; an endpoint
// averages about four changes, and every connection has two endpoints, so at 10^5 open
// connections the objects alone came to ~50 MB. Three numbers per change were ~0.11 KB per log.

import { TcpStates, type TcpState, type Transition } from './types.ts';

/** A state's code is its index in TcpStates. */
const CODE = new Map<TcpState, number>(TcpStates.map((s, i) => [s, i]));
/** Codes a tag leaves room for (TcpStates has 12). */
const STATE_CODES = 16;

/** Changes kept per endpoint: the first MAX_TRANSITIONS - 1 and the latest (untrusted input can
 *  make a state machine go round; a real endpoint changes state a handful of times). */
export const MAX_TRANSITIONS = 64;

export class TransitionLog {
  /** frame * 16 + state code, time (seconds), per change, oldest first */
  private packed: number[] = [];
  /** Changes not kept: between the first MAX_TRANSITIONS - 1 and the latest. */
  notKept = 0;

  /** Changes recorded. */
  get length(): number {
    return this.packed.length / 2;
  }

  push(state: TcpState, frame: number, time: number): void {
    const p = this.packed;
    const tag = frame * STATE_CODES + CODE.get(state)!;
    if (p.length < 2 * MAX_TRANSITIONS) {
      // an exact-length copy, not push(): push onto [] reserves 17 slots and then half as many
      // again, and an endpoint changes state a handful of times while it may stay open for hours
      this.packed = p.length === 0 ? [tag, time] : p.concat(tag, time);
      return;
    }
    // full: the last slot always holds the latest change
    this.notKept++;
    p[p.length - 2] = tag;
    p[p.length - 1] = time;
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
    for (let i = 0; i < this.length; i++) out.push(this.at(i));
    return out;
  }

  /** The JSON report shows the changes as a list of objects. */
  toJSON(): Transition[] {
    return this.list();
  }
}
