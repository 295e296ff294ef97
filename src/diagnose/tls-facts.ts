// FTPS facts for the rules: one TLS connection's handshake, alerts, ending and decryption
// (src/tls TlsFacts, read by the FTP stage over a control or data connection) as the CEL objects
// fact-schema.ts documents (TlsConnection, TlsAlert, TlsCertificate), and the session's and the
// transfer's TLS objects built on them. No key material is in TlsFacts, so none can reach a rule.

import type { Session, TlsEnding, Transfer } from '../ftp/types.ts';
import { cipherSuiteName } from '../tls/cipher-suites.ts';
import { versionName } from '../tls/names.ts';
import type { TlsFacts } from '../tls/types.ts';
import { int, type Fact } from './facts.ts';

const ints = (xs: readonly number[]): bigint[] => xs.map(int);

/** The TlsConnection fact of one TLS connection. */
export function tlsConnectionFact(f: TlsFacts): Fact {
  const ch = f.clientHello;
  const sh = f.serverHello;
  const dec = f.decryption;
  return {
    version: f.version === null ? '' : versionName(f.version),
    versionCode: int(f.version ?? 0),
    offeredVersions: ch ? ch.versions.map(versionName) : [],
    suite: f.cipherSuite === null ? '' : cipherSuiteName(f.cipherSuite),
    suiteCode: int(f.cipherSuite ?? 0),
    offeredSuites: int(ch ? ch.cipherSuites.length + ch.cipherSuitesDropped : 0),
    sni: ch?.sni ?? '',
    alpn: sh?.alpn ?? '',
    helloFrame: int(ch?.frame ?? 0),
    serverHelloFrame: int(sh?.frame ?? 0),
    helloRetry: f.helloRetry,
    clientFinishedFrame: int(f.finished.client ?? 0),
    serverFinishedFrame: int(f.finished.server ?? 0),
    handshakeComplete: f.finished.client !== null && f.finished.server !== null,
    resumption: {
      offered: [...f.resumption.offered],
      accepted: f.resumption.accepted === null ? 'unknown' : f.resumption.accepted ? 'yes' : 'no',
      how: f.resumption.how ?? '',
      evidence: f.resumption.evidence,
    },
    certificates: f.certificates.map((c) => ({
      from: c.from,
      frame: int(c.frame),
      subject: c.subject,
      issuer: c.issuer,
      validFrom: c.validFrom,
      validTo: c.validTo,
      keyType: c.keyType,
      keyBits: int(c.keyBits),
      selfSigned: c.selfSigned,
      visible: c.visible,
    })),
    alerts: f.alerts.map((a) => ({
      from: a.from,
      frame: int(a.frame),
      level: a.levelName,
      name: a.name,
      meaning: a.meaning,
      visible: a.visible,
      // RFC 8446 §6: every alert but close_notify and user_canceled ends the connection
      fatal: a.level === 2 || (a.description > 0 && a.description !== 90 && f.version === 0x0304),
    })),
    clientEnding: f.end.client.ending,
    serverEnding: f.end.server.ending,
    clientAppBytes: int(f.applicationData.client.bytes),
    serverAppBytes: int(f.applicationData.server.bytes),
    decrypted: dec.state === 'decrypting',
    decryption: {
      state: dec.state,
      reason: dec.reason ?? '',
      failures: int(dec.failureCount),
      failureFrames: ints(dec.failures.map((x) => x.frame)),
      failureReasons: dec.failures.map((x) => x.reason),
      missingLabels: [...dec.missingLabels],
    },
    anomalies: f.anomalies.map((a) => `${a.kind} from the ${a.from} at frame ${a.frame}: ${a.detail}`),
  };
}

/** The TlsEnding part shared by the session's and the transfer's TLS objects. */
function endingFact(e: TlsEnding | null): Fact {
  return {
    clientCloseNotify: e?.clientCloseNotify ?? 'unknown',
    serverCloseNotify: e?.serverCloseNotify ?? 'unknown',
    closedBy: e?.closedBy ?? '',
    closeKind: e?.closeKind ?? '',
    closeFrame: int(e?.closeFrame ?? 0),
    verdict: e?.verdict ?? '',
    resetHarmless: e?.resetHarmless ?? false,
  };
}

/** The session's Tls fact (s.tls). */
export function sessionTlsFact(s: Session): Fact {
  const t = s.tls;
  const failure = t.failureReply;
  return {
    authFrame: int(t.authFrame ?? 0),
    encryptedFromFrame: int(t.encryptedFromFrame ?? 0),
    pbsz: t.pbsz ?? '',
    prot: t.prot ?? '',
    clearAgainFrame: int(t.clearAgainFrame ?? 0),
    implicit: t.implicit ?? false,
    decrypted: t.decrypted ?? false,
    conn: t.connection ? tlsConnectionFact(t.connection) : null,
    ...endingFact(t.ending ?? null),
    failureCode: int(failure?.code ?? 0),
    failureText: failure?.text ?? '',
    failureFrame: int(failure?.frame ?? 0),
    protInferred: t.protInferred ?? '',
    protEvidence: t.protEvidence ?? '',
  };
}

/** The transfer's TlsData fact (t.tls), null without TLS on its data connection. */
export function transferTlsFact(t: Transfer): Fact | null {
  const d = t.tlsData;
  if (!d) return null;
  return {
    clientBytes: int(d.clientBytes),
    serverBytes: int(d.serverBytes),
    ...endingFact(d),
    conn: tlsConnectionFact(d.connection),
    dataFrom: d.dataFrom.from ?? '',
    dataFromConfidence: d.dataFrom.confidence ?? '',
    dataFromEvidence: d.dataFrom.evidence,
    dataBytesClient: int(d.dataFrom.dataBytes.client),
    dataBytesServer: int(d.dataFrom.dataBytes.server),
    endedAfterHandshake: d.endedAfterHandshake,
    decrypted: d.plaintext !== null,
    plaintextMissing: int(d.plaintextMissing),
  };
}
