// An endpoint's state changes, packed: three numbers per change (state code, frame, time) in one
// array of doubles. As objects each change cost an object and a boxed time (~56 B) plus its
// slot; an endpoint averages about four changes, and every connection has two endpoints, so at
// 10^5 open connections the objects alone came to ~50 MB.

import { TcpStates, type TcpState, type Transition } from './types.ts';

/** A state's code is its index in TcpStates. */
const CODE = new Map<TcpState, number>(TcpStates.map((s, i) => [s, i]));

/** Changes kept per endpoint: the first MAX_TRANSITIONS - 1 and the latest (untrusted input can
 *  make a state machine go round; a real endpoint changes state a handful of times). */
export const MAX_TRANSITIONS = 64;

export class TransitionLog {
  /** state code, frame, time (seconds), per change, oldest first */
  private packed: number[] = [];
  /** Changes not kept: between the first MAX_TRANSITIONS - 1 and the latest. */
  notKept = 0;

  /** Changes recorded. */
  get length(): number {
    return this.packed.length / 3;
  }

  push(state: TcpState, frame: number, time: number): void {
    const p = this.packed;
    if (p.length < 3 * MAX_TRANSITIONS) {
      // an exact-length copy, not push(): push onto [] reserves 17 slots and then half as many
      // again, and an endpoint changes state a handful of times while it may stay open for hours
      this.packed = p.length === 0 ? [CODE.get(state)!, frame, time] : p.concat(CODE.get(state)!, frame, time);
      return;
    }
    // full: the last slot always holds the latest change
    this.notKept++;
    p[p.length - 3] = CODE.get(state)!;
    p[p.length - 2] = frame;
    p[p.length - 1] = time;
  }

  /** The `i`-th change (0 is the first). */
  at(i: number): Transition {
    const p = this.packed;
    return { state: TcpStates[p[3 * i]!]!, frame: p[3 * i + 1]!, time: p[3 * i + 2]! };
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
