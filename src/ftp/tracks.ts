// The FTP stage's working state that the control side makes and the data side links: a data
// channel set up by PORT/PASV (a DataSetup) and a transfer in progress (a TransferTrack). Plain
// records; the control session (control/session.ts) creates them, the linker (data/link.ts) fills
// in their connections, settling (data/settle.ts) turns them into final Transfer facts.

import type { Connection, Side } from '../tcp/types.ts';
import type { DataEndpointAnnouncement, FtpCommand, Session, Transfer } from './types.ts';

/** What a data setup or a transfer needs of the control session that made it. */
export interface ControlRef {
  readonly session: Session;
  readonly conn: Connection; //       the control connection
  readonly tracks: readonly TransferTrack[];
  readonly encrypted: boolean; //     the control channel is TLS now
  /** A transfer of this session waiting for its data connection with no usable announcement to
   *  find it by (or the channel is encrypted): for linking by timing. */
  transferAwaitingData(): TransferTrack | null;
  /** A data connection showed up while the control channel was encrypted: a transfer of command
   *  'unknown' for it. */
  startUnknownTransfer(conn: Connection): TransferTrack;
}

/** One PORT/EPRT/LPRT or PASV/EPSV/LPSV exchange and what came of it. */
export interface DataSetup {
  control: ControlRef;
  command: FtpCommand; //                          the command that set the data channel up
  mode: 'active' | 'passive';
  announcement: DataEndpointAnnouncement | null; // null until a passive reply gives it, or if malformed
  refused: boolean; //                             the server's reply rejected it (or it was unparseable)
  transfer: TransferTrack | null; //               the transfer command that used it
  conns: Connection[]; //                          connections seen toward the endpoint before a transfer took it
  listeners: Map<number, Side>; //                 per such connection: which of its endpoints was the announced one
  keys: string[]; //                               expectation-table keys registered for it (the linker's)
}

/** No connections yet: the working state a setup or track starts with and a settled track goes
 *  back to, shared and never written (a Map and a Set per transfer were a tenth of a long
 *  session's memory). A writer makes its own first: addListener, addEnded. */
export const NO_LISTENERS: Map<number, Side> = new Map();
export const NO_ENDED: Set<number> = new Set();

/** Notes which endpoint of connection `conn` was the announced listener. */
export function addListener(x: { listeners: Map<number, Side> }, conn: number, side: Side): void {
  if (x.listeners === NO_LISTENERS) x.listeners = new Map();
  x.listeners.set(conn, side);
}

/** Notes that candidate `conn` of a transfer not yet settled has ended. */
export function addEnded(track: TransferTrack, conn: number): void {
  if (track.ended === NO_ENDED) track.ended = new Set();
  track.ended.add(conn);
}

/** A transfer and the FTP stage's working state for it. */
export interface TransferTrack {
  t: Transfer;
  control: ControlRef;
  setup: DataSetup | null;
  conns: Connection[]; //            candidate data connections, in order seen (≤ 50)
  listeners: Map<number, Side>; //   per candidate: its endpoint that was the announced listener (emptied once settled)
  ended: Set<number>; //             candidates whose onEnd has come (emptied once settled)
  settled: boolean; //               facts and outcome are final; transferDone fired
}
