// When a transfer's facts are final: its final reply and its data connection's end are both
// known, or it definitely failed, or its session ended. Then it is measured (measure.ts) once.

import type { TransferTrack } from '../tracks.ts';

/** Whether one of a transfer's data connections has not ended yet. */
export function dataOpen(t: TransferTrack): boolean {
  return t.conns.some((c) => !t.ended.has(c.id));
}

/** Whether a transfer not yet settled can be now. */
export function readyToSettle(track: TransferTrack): boolean {
  const f = track.t.finalReply;
  // definitely failed: an error reply while no data connection carried a byte (a 425 after an
  // unanswered SYN need not wait for that connection's close-out)
  const failed = f !== null && f.valid && f.code >= 400 && f.code < 600 &&
    track.conns.every((c) => c.client.bytesSent + c.server.bytesSent === 0);
  if (failed) return true;
  if (dataOpen(track)) return false;
  if (track.t.command === 'unknown') return track.conns.length > 0;
  return track.t.finalReply !== null || track.control.session.ended;
}
