// Heuristic: window stall
//   How long a receiver kept its window closed, not how often it said so. A zero window that
//   opens again within a millisecond is flow control doing its job (a fast sender on loopback
//   fills a small buffer dozens of times in a healthy transfer); one that stays shut for seconds,
//   or is still shut when the connection ends, held the transfer up. Each side's periods run from
//   its first segment advertising 0 to its first one advertising more, or to the end of the
//   connection. Zero windows a side advertises after its own FIN are not counted: a host that
//   closed its socket may announce 0 because nothing will read any more (old Windows does), which
//   says something about the close, not about a stall. SYN/FIN/RST segments do not count, as in
//   Wireshark's zero-window flag. O(1) per segment; the record is made on the first zero window.

import type { Endpoint, WindowStall } from './types.ts';

function newStall(): WindowStall {
  return { count: 0, periods: 0, total: 0, longest: 0, longestFrom: 0, longestTo: 0, closedAtEnd: false, closedSince: -1, closedFrame: 0 };
}

/** A segment without SYN/FIN/RST that `ep` sent before its own FIN, advertising `window`. */
export function noteWindow(ep: Endpoint, window: number, time: number, frame: number): void {
  let st = ep.stall;
  if (window === 0) {
    st ??= ep.stall = newStall();
    st.count++;
    if (st.closedSince < 0) {
      st.closedSince = time;
      st.closedFrame = frame;
      st.periods++;
    }
  } else if (st !== undefined && st.closedSince >= 0) endPeriod(st, time, frame, false);
}

/** The connection (or `ep`'s side of it) ended at `time`, `frame`: a closed window stays closed
 *  for good. */
export function endStall(ep: Endpoint, time: number, frame: number): void {
  const st = ep.stall;
  if (st !== undefined && st.closedSince >= 0) endPeriod(st, time, frame, true);
}

function endPeriod(st: WindowStall, time: number, frame: number, atEnd: boolean): void {
  const d = time > st.closedSince ? time - st.closedSince : 0;
  st.total += d;
  if (d > st.longest || st.longestFrom === 0) {
    st.longest = d;
    st.longestFrom = st.closedFrame;
    st.longestTo = frame;
  }
  st.closedSince = -1;
  if (atEnd) st.closedAtEnd = true;
}
