// What a transfer, a session and a connection are called in every output and in the rules'
// facts (`label`): one wording, from the FTP stage's records.

import { connectionEnds, endpointText } from './endpoint.ts';

/** 'RETR a.bin (transfer 3)'; a transfer without a readable command says why. */
export function transferLabel(t: { id: number; session: number | null; command: string; argument: string }): string {
  if (t.session === null) return `transfer ${t.id} (a data connection whose control connection is not in the capture)`;
  if (t.command === 'unknown') return `transfer ${t.id} (its command is unreadable: the control channel was encrypted)`;
  return `${t.command}${t.argument === '' ? '' : ' ' + t.argument} (transfer ${t.id})`;
}

/** What a transfer did, short: 'RETR a.bin'; '' when its command is unreadable. */
export function transferWhat(t: { command: string; argument: string }): string {
  if (t.command === 'unknown') return '';
  return `${t.command}${t.argument === '' ? '' : ' ' + t.argument}`;
}

/** 'session 0 (192.0.2.1:40000 → 192.0.2.2:21)' */
export function sessionLabel(s: { id: number; client: { addr: string; port: number }; server: { addr: string; port: number } }): string {
  return `session ${s.id} (${endpointText(s.client.addr, s.client.port)} → ${endpointText(s.server.addr, s.server.port)})`;
}

type Ends = { id: number; client: { addr: string; port: number }; server: { addr: string; port: number } };

/** A connection by what the FTP stage made of it: 'control connection of session 0 (…)',
 *  'data connection of RETR a (transfer 3)', 'connection attempt 5 to the FTP server (…)',
 *  'connection 7 (…)'. */
export function connectionLabel(c: Ends, role: 'control' | 'data' | 'attempt' | 'other', of: { session?: number | null; transfer?: string | null }): string {
  if (role === 'control' && of.session !== undefined && of.session !== null) return `control connection of session ${of.session} (${connectionEnds(c)})`;
  if (role === 'data' && of.transfer) return `data connection of ${of.transfer}`;
  if (role === 'attempt') return `connection attempt ${c.id} to the FTP server (${connectionEnds(c)})`;
  return `connection ${c.id} (${connectionEnds(c)})`;
}
