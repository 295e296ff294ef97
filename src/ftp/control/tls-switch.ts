// The control channel's switch between FTP lines and TLS records, per direction: AUTH TLS answered
// 234 (RFC 4217 §4), a TLS handshake where a line should start after AUTH (a 234 the capture
// missed), implicit FTPS, and cleartext lines again after CCC. While a direction is TLS its
// records are walked (tls-records.ts) so that the first cleartext line after them is found.

import type { Side } from '../../tcp/types.ts';
import { TlsRecordWalker, isTlsHandshakeStart, isTlsRecordHeader } from '../tls-records.ts';

export class TlsSwitch {
  private readonly inTls: Record<Side, boolean> = { client: false, server: false }; // by FTP role
  // made when a direction first enters TLS: most control connections never do, and a pair of
  // walkers is ~0.14 KB per session
  private walkers: Record<Side, TlsRecordWalker> | null = null;
  private auth = false; // AUTH was sent: a TLS handshake may follow

  /** `encryptedAtStart`: implicit FTPS, or a capture that began inside TLS. */
  constructor(encryptedAtStart: boolean) {
    if (encryptedAtStart) {
      this.auth = true;
      this.inTls.client = true;
      this.inTls.server = true;
      this.walkers = newWalkers();
    }
  }

  /** The control channel is (at least one way) inside TLS now. */
  get encrypted(): boolean {
    return this.inTls.client || this.inTls.server;
  }

  isTls(role: Side): boolean {
    return this.inTls[role];
  }

  authSent(): void {
    this.auth = true;
  }

  /** TLS begins at data[i], where a line would start: after AUTH, a handshake or record header. */
  beginsAt(data: Buffer, i: number): boolean {
    return this.auth && (isTlsHandshakeStart(data, i) || isTlsRecordHeader(data, i));
  }

  /** `role` switches to TLS; false when it already was. */
  enter(role: Side): boolean {
    if (this.inTls[role]) return false;
    this.inTls[role] = true;
    this.walkers ??= newWalkers();
    return true;
  }

  /** TLS records of `role` from data[start]: where they stop (data.length: all of it is TLS; less:
   *  cleartext lines resume there, and `role` is back to lines) and whether record bytes came. */
  feed(role: Side, data: Buffer, start: number): { next: number; records: boolean } {
    const w = this.walkers![role]; // made when `role` entered TLS
    const before = w.bytes;
    const next = w.feed(data, start);
    if (next < data.length) this.inTls[role] = false;
    return { next, records: w.bytes > before };
  }

  /** Bytes of `role` are missing while it is TLS. */
  gap(role: Side): void {
    this.walkers![role].gap(); // made when `role` entered TLS
  }
}

function newWalkers(): Record<Side, TlsRecordWalker> {
  return { client: new TlsRecordWalker(false), server: new TlsRecordWalker(true) };
}
