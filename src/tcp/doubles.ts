// A flow's numbers that are not small integers - capture times (seconds with a fraction) and
// uint32 sequence numbers at or above 2^31 - kept unboxed, in one array of doubles per flow. As
// object fields each was a pointer to a heap number of its own (V8 boxes a field that holds a
// double): 42 per flow, ~1 KB with their slots. An array whose elements are doubles stores them
// inline (8 bytes each): ~0.4 KB. The records of a flow (the flow, its trackers, their Wireshark
// and Zeek state) read and write their slots through accessors, each at its offset into the
// flow's array (flow.ts lays them out); a record made on its own gets an array of its own.

/** Zeros stored as doubles (a fraction first: an array's elements become doubles, and stay so);
 *  copies of it keep that (a flow's array is one slice, not two fills). */
const ZEROS = new Array<number>(64).fill(0.5).fill(0);

/** A fresh array of `n` zeros whose elements are stored as unboxed doubles. */
export function doubles(n: number): number[] {
  return n <= ZEROS.length ? ZEROS.slice(0, n) : new Array<number>(n).fill(0.5).fill(0);
}
