// What the FTP stage keeps per TCP connection (Connection.app): what it made of the connection,
// and the state of the part of the stage that handles it.

import type { Side } from '../tcp/types.ts';
import { noEntries } from './records.ts';
import type { Transfer } from './types.ts';
import type { Probe } from './control/probe.ts';
import type { ControlSession } from './control/session.ts';
import type { DataSetup, TransferTrack } from './tracks.ts';
import type { FtpTlsChannel } from './tls-channel.ts';

/** While it is being judged ('probe'), then what it is. */
export type AppRole = 'probe' | 'control' | 'data' | 'other';

export interface ConnApp {
  role: AppRole;
  probe: Probe | null; //              bytes held while deciding whether it is a control connection
  session: ControlSession | null; //   control connections
  setup: DataSetup | null; //          data connection that came before its transfer command
  tracks: TransferTrack[]; //          data connection's transfer(s)
  looksTls: boolean | null; //         data: its first payload was a TLS record
  ended: boolean; //                   onEnd seen
  lone: Transfer | null; //            data connection no session claimed, taken for one (data/lone-data.ts)
  tls: FtpTlsChannel | null; //        data connection carrying TLS: its TLS stage (data/tls-data.ts)
  tlsRoles: Record<Side, Side> | null; // … and the FTP role of each of its sides
}

export function newConnApp(): ConnApp {
  // tracks: the shared empty list until a data connection's first (link.ts), never one for a control connection
  return { role: 'probe', probe: null, session: null, setup: null, tracks: noEntries(), looksTls: null, ended: false, lone: null, tls: null, tlsRoles: null };
}
