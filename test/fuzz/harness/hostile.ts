// FTP sessions whose first lines are hostile (terminal escapes in the banner, control bytes in
// the user name, a junk line before the greeting or the first command, Telnet commands, bytes of
// other character sets), for the detection oracle: whatever decorates its first lines, a session
// in FTP's grammar is found, with its transfer and its finding.
//
// Heading: detection oracle
// Definition: a crafted session whose every command and reply is in FTP's grammar, with hostile
// bytes drawn into its first lines (and a known password), on port 21 or an unusual port, seen
// from its handshake, yields exactly one session, its RETR with the 550 reply and the
// file-unavailable finding, and no output shows the password.

import { TraceBuilder } from '../../../src/craft/trace-builder.ts';
import type { RuleSet } from '../../../src/diagnose/rule-types.ts';
import { Analysis } from '../../../src/pipeline/analyze.ts';
import { renderJson } from '../../../src/report/json.ts';
import { renderText } from '../../../src/report/text.ts';
import { Finding } from './oracles.ts';
import type { Rng } from './rng.ts';

/** Bytes a hostile peer decorates its lines with. */
const DECORATIONS = [
  '\x1b[1;31m', '\x1b[0m', '\x1b[2J\x1b[H', '\x1b]0;owned\x07', '\x1b]8;;http://x\x1b\\', '\x07', '\x08', '\x1b', '\x9b31m', '\x85',
  '\x00', '\x7f', '\x0b', '\x0c', '\x01\x02\x03', '\xff\xfb\x01', '\xff\xf1', 'Ã©', '\u2603', '\ufeff', '\t', '\r',
];

export interface HostileSession {
  trace: TraceBuilder;
  password: string; //  the PASS argument: must never appear in an output
  file: string; //      the RETR argument (decorated): the transfer's file
  port: number; //      the server's port
}

/** A short decorated string: plain text with `n` decorations inserted. */
function decorate(rng: Rng, text: string, n: number): string {
  let s = text;
  for (let i = 0; i < n; i++) {
    const at = rng.int(s.length + 1);
    s = s.slice(0, at) + rng.pick(DECORATIONS) + s.slice(at);
  }
  return s;
}

/** Latin-1 bytes of a JS string whose code points are ≤ 0xff, UTF-8 otherwise. */
function bytes(s: string): Buffer {
  return /[^\x00-\xff]/.test(s) ? Buffer.from(s, 'utf8') : Buffer.from(s, 'latin1');
}

/**
 * One session: greeting (single or multi-line, decorated), USER (decorated name), PASS, a
 * passive RETR answered 550, QUIT. Optionally a junk line from either side first: a real server
 * answers a junk client line with 500, and a junk server line is taken as an invalid reply.
 */
export function hostileSession(rng: Rng): HostileSession {
  const t = new TraceBuilder({ start: 1_700_000_000 + rng.int(1000) });
  const port = rng.pick([21, 2121, 10021, 40000 + rng.int(20000)]);
  const c = t.tcp({ client: `192.0.2.${1 + rng.int(200)}:${20000 + rng.int(40000)}`, server: `198.51.100.${1 + rng.int(200)}:${port}` });
  const password = `pw${rng.u32().toString(36)}Z`;
  const file = decorate(rng, `report-${rng.int(100)}.csv`, rng.int(2));
  c.handshake();
  const junkServer = rng.chance(0.2);
  if (junkServer) c.server('PA', bytes(`${decorate(rng, '', 1 + rng.int(3))}\r\n`));
  if (rng.chance(0.5)) c.server('PA', bytes(`220 ${decorate(rng, 'ACME FTP ready', 1 + rng.int(4))}\r\n`));
  else {
    const art = Array.from({ length: 1 + rng.int(4) }, () => decorate(rng, ' *** welcome *** ', 1 + rng.int(5)));
    c.server('PA', bytes(`220-${decorate(rng, 'ACME', rng.int(3))}\r\n${art.join('\r\n')}\r\n220 ready\r\n`));
  }
  const junkClient = rng.chance(0.2);
  if (junkClient) {
    c.client('PA', bytes(`${decorate(rng, '', 1 + rng.int(3))}\r\n`));
    c.server('PA', '500 Unknown command.\r\n');
  }
  c.client('PA', bytes(`USER ${decorate(rng, 'eve', 1 + rng.int(3))}\r\n`));
  c.server('PA', '331 Please specify the password.\r\n');
  c.client('PA', `${rng.pick(['PASS ', 'PASS\t', 'pass '])}${password}\r\n`);
  c.server('PA', '230 Login successful.\r\n');
  c.client('PA', 'PASV\r\n');
  c.server('PA', '227 Entering Passive Mode (198,51,100,9,156,64).\r\n');
  c.client('PA', bytes(`RETR ${file}\r\n`));
  c.server('PA', '550 Failed to open file.\r\n');
  c.client('PA', 'QUIT\r\n');
  c.server('PA', '221 Goodbye.\r\n');
  c.close();
  return { trace: t, password, file, port };
}

/** Runs the detection oracle on one drawn session; throws a Finding when it does not hold. */
export function checkHostileSession(rng: Rng, rules: RuleSet): string {
  const h = hostileSession(rng);
  const a = new Analysis({ rules });
  for (const f of h.trace.captureFrames()) a.frame(f);
  const r = a.finish();
  const where = `port ${h.port}, file ${JSON.stringify(h.file)}`;
  if (r.sessions.length !== 1) throw new Finding('invariant', `hostile first lines: ${r.sessions.length} sessions found, not 1 (${where})`);
  const t = r.transfers[0];
  if (r.transfers.length !== 1 || t!.finalReply?.code !== 550) {
    throw new Finding('invariant', `hostile first lines: the RETR answered 550 was not found (${where})`, JSON.stringify(r.transfers.map((x) => [x.command, x.argument, x.finalReply?.code])));
  }
  if (!r.findings.some((f) => f.id === 'file-unavailable')) throw new Finding('invariant', `hostile first lines: no file-unavailable finding (${where})`);
  const outputs = [renderText(r, { color: false, width: 100 }), renderJson(r)];
  for (const out of outputs) {
    if (out.includes(h.password)) throw new Finding('invariant', `the password ${h.password} appears in a report (${where})`);
  }
  return h.port === 21 ? 'port-21' : 'other-port';
}
