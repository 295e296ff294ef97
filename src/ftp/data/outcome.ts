// How a transfer ended, from its replies and its data connection's final facts.

import type { TransferOutcome } from '../types.ts';

export interface OutcomeFacts {
  command: string; //               TransferCommand ('unknown': control channel was encrypted)
  finalCode: number | null; //      final reply code, null if none came
  finalValid: boolean;
  aborted: boolean; //              ABOR sent while it ran
  hasData: boolean; //              a data connection was linked
  dataEnded: boolean; //            … and it closed (FIN or RST) within the capture
  dataReset: boolean; //            … by RST
  bytes: number; //                 payload bytes the sender put on it
  delivered: number; //             bytes the receiver acknowledged (all of them if it acked all)
  receiverAckedAll: boolean;
  expectedBytes: number | null; //  announced size minus REST offset
  encrypted?: boolean; //           the data connection carried TLS (its bytes are not file bytes)
  resetBySender?: boolean; //       the data connection was ended by a RST from the side sending the data
  /** … by a RST from the receiving side before it had the end of the file (the sender's FIN
   *  acknowledged): its application aborted the read. */
  resetByReceiverEarly?: boolean;
}

/**
 * Transfer outcome rules — the first that matches wins:
 *  1. aborted   ABOR was sent while the transfer ran; or the final reply is 426 ("connection
 *               closed; transfer aborted"); or any other 4xx/5xx final reply came after data had
 *               flowed (bytes > 0: the transfer started and was cut, e.g. 451 or 552 mid-upload).
 *  2. failed    the final reply is 4xx/5xx and no data flowed (425 no data connection,
 *               450/550 file unavailable, 451 local error before any byte, 530 not logged in…).
 *  3. truncated the final reply is 2xx, but fewer bytes reached the receiver than expected:
 *               expected = announced size (150 "(N bytes)", else a 213 SIZE answer for the same
 *               path) minus the REST offset; "reached" = what the receiver acknowledged, counted only
 *               when the data connection's close (FIN/RST) is in the capture. Or the
 *               data connection was reset while the receiver had not acknowledged every byte.
 *               Also with no final reply at all, when the data connection ended that way.
 *  4. aborted   the final reply is 2xx but the sender ended the data connection with RST instead
 *               of FIN (every byte acknowledged): it aborted rather than finished, whichever way
 *               the data flowed (an upload-reset is never "complete"). Or the receiver reset it
 *               before the end of the file (the sender's FIN), unless it had every announced byte:
 *               its application aborted the read, whichever way the data flowed.
 *  5. unknown   the final reply is 2xx, but the capture holds fewer bytes than announced and not
 *               the data connection's end (no FIN or RST in it): the rest of the transfer is
 *               missing from the capture, so whether the file arrived whole cannot be told.
 *  6. complete  the final reply is 2xx (with no data connection in the capture, the server's
 *               word is taken: the capture simply lacks the data channel).
 *  7. unknown   anything else: no final reply (capture ended, or the control connection closed
 *               first), or a final 1xx/3xx/6xx code or an invalid reply line.
 * Transfers of command 'unknown' (encrypted control channel, or a data connection without its
 * control connection) have no replies and are judged on the data connection alone: complete when
 * it closed by FIN after the receiver acknowledged every byte (and there were bytes), truncated
 * when it was reset with unacknowledged bytes, else unknown. When that data connection carried
 * TLS, a clean close says only that the TLS stream ended, not that a file did: unknown.
 */
export function judgeOutcome(f: OutcomeFacts): TransferOutcome {
  // only once the data connection's close was seen: a capture that stops recording the data
  // connection before its end (while the 226 still shows) lacks bytes, it does not prove loss
  const shortByExpectation = f.expectedBytes !== null && f.hasData && f.dataEnded && f.delivered < f.expectedBytes;
  const resetWithLoss = f.hasData && f.dataReset && !f.receiverAckedAll;
  if (f.command === 'unknown') {
    if (resetWithLoss) return 'truncated';
    if (f.dataEnded && !f.dataReset && f.receiverAckedAll && f.bytes > 0 && f.encrypted !== true) return 'complete';
    return 'unknown';
  }
  const code = f.finalCode;
  const finalClass = code !== null && f.finalValid ? Math.floor(code / 100) : 0;
  if (f.aborted || code === 426) return 'aborted';
  if (finalClass === 4 || finalClass === 5) return f.bytes > 0 ? 'aborted' : 'failed';
  if (finalClass === 2) {
    if (shortByExpectation || resetWithLoss) return 'truncated';
    if (f.hasData && !f.dataEnded && f.expectedBytes !== null && f.delivered < f.expectedBytes) return 'unknown';
    if (f.resetBySender === true && f.dataReset) return 'aborted';
    const hadAll = f.expectedBytes !== null && f.delivered >= f.expectedBytes;
    return f.resetByReceiverEarly === true && f.dataReset && !hadAll ? 'aborted' : 'complete';
  }
  if (code === null && f.dataEnded && (resetWithLoss || shortByExpectation)) return 'truncated';
  return 'unknown';
}
