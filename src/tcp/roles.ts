// Who is the client: the SYN's sender when the handshake is seen, else a guess from the ports.

import { TcpFlag } from '../decode/packet.ts';

/** Highest port number of the well-known (system) range, RFC 6335 §6. */
const WELL_KNOWN_MAX = 1023;

/**
 * Port heuristic for a conversation first seen without a SYN (roles then marked as a guess):
 *  1. the FTP control port 21 is the server;
 *  2. the FTP active-data port 20 is the server by convention (it sent the SYN, but the
 *     capture began mid-connection, and port 20 is the side the protocol calls the server);
 *  3. a well-known port (< 1024) facing an unprivileged one is the server;
 *  4. else the lower port is the server (listening ports tend to sit below ephemeral ranges);
 *  5. equal ports: the first packet's destination is the server.
 * Returns true when the packet's destination is the server.
 */
export function guessDestinationIsServer(srcPort: number, dstPort: number): boolean {
  if (dstPort === 21) return true;
  if (srcPort === 21) return false;
  if (srcPort === 20) return false;
  if (dstPort === 20) return true;
  const srcWell = srcPort <= WELL_KNOWN_MAX;
  const dstWell = dstPort <= WELL_KNOWN_MAX;
  if (srcWell !== dstWell) return dstWell;
  if (srcPort !== dstPort) return dstPort < srcPort;
  return true;
}

/**
 * Roles from the first packet of a conversation. A SYN without ACK comes from the client, a
 * SYN-ACK from the server (both certain); anything else goes to the port heuristic.
 */
export function firstPacketRoles(flags: number, srcPort: number, dstPort: number): { dstIsServer: boolean; guessed: boolean } {
  const synAck = flags & (TcpFlag.SYN | TcpFlag.ACK);
  if (synAck === TcpFlag.SYN) return { dstIsServer: true, guessed: false };
  if (synAck === (TcpFlag.SYN | TcpFlag.ACK)) return { dstIsServer: false, guessed: false };
  return { dstIsServer: guessDestinationIsServer(srcPort, dstPort), guessed: true };
}
