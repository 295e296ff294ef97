// Test support for the field-capture classes (issue 23): crafted FTP sessions and the whole
// analysis over frames, as one capture or as several capture files.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame } from '../../src/capture/frame.ts';
import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import { builtinRuleSet } from '../../src/diagnose/rule-loader.ts';
import type { Finding } from '../../src/diagnose/finding.ts';
import { Analysis, type AnalysisOptions } from '../../src/pipeline/analyze.ts';
import type { AnalysisResult } from '../../src/pipeline/result.ts';
import { buildJsonReport } from '../../src/report/json.ts';
import { renderText } from '../../src/report/text.ts';

/** The whole analysis of frames (numbered as given), with the built-in rules. */
export function analyzeFrames(frames: readonly Frame[], opts: Partial<AnalysisOptions> = {}): AnalysisResult {
  const a = new Analysis({ rules: builtinRuleSet(), ...opts });
  for (const f of frames) a.frame(f);
  return a.finish();
}

export function analyzeTrace(t: TraceBuilder, opts: Partial<AnalysisOptions> = {}): AnalysisResult {
  return analyzeFrames(t.captureFrames(), opts);
}

/** The findings of the streaming analysis (each session released as soon as it is final), to
 *  compare with the whole-capture one. */
export function streamedFindings(t: TraceBuilder): Finding[] {
  const out: Finding[] = [];
  const a = new Analysis({ rules: builtinRuleSet(), release: (u) => out.push(...u.findings.map((x) => x.finding)) });
  for (const f of t.captureFrames()) a.frame(f);
  a.finish();
  return out;
}

export const text = (r: AnalysisResult): string => renderText(r, { color: false, width: 100 });
export const json = (r: AnalysisResult): Record<string, any> => JSON.parse(JSON.stringify(buildJsonReport(r))) as Record<string, any>;

export const byId = (r: AnalysisResult | Finding[], id: string): Finding[] => (Array.isArray(r) ? r : r.findings).filter((f) => f.id === id);
export const worse = (r: AnalysisResult): Finding[] => r.findings.filter((f) => f.severity !== 'info');

/** Frames renumbered from 1 in the order given (a capture made of pieces). */
export function renumber(frames: readonly Frame[]): Frame[] {
  return frames.map((f, i) => ({ ...f, number: i + 1 }));
}

/** A temporary directory, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface SessionOptions {
  client?: string; //     control connection's client end, 'addr:port'
  server?: string; //     control connection's server end
  user?: string;
  loginOk?: boolean; //   230 (default) or 530
  greeting?: boolean; //  send the 220 (default true)
  handshake?: boolean; // show the control connection's handshake (default true)
  quit?: boolean; //      QUIT/221 and close at the end (default true)
}

/** An FTP control connection through login, on a trace's clock: returns the ladder. */
export function login(t: TraceBuilder, o: SessionOptions = {}): TcpLadder {
  const c = t.tcp({ client: o.client ?? '192.0.2.10:40000', server: o.server ?? '198.51.100.20:21' });
  if (o.handshake !== false) c.handshake();
  if (o.greeting !== false) c.server('PA', '220 ready\r\n');
  c.client('PA', `USER ${o.user ?? 'alice'}\r\n`);
  c.server('PA', '331 password please\r\n');
  c.client('PA', 'PASS secret\r\n');
  c.server('PA', o.loginOk === false ? '530 Login incorrect.\r\n' : '230 logged in\r\n');
  return c;
}

export interface RetrOptions {
  bytes?: number;
  file?: string;
  dataPort?: number; //     passive port announced
  capture?: boolean; //     put the data connection in the trace (default true)
}

/** PASV, RETR and its data connection's handshake, then the 150 (`preliminary`): the caller
 *  lays the data connection's segments and the final reply. */
export function openPassiveRetr(t: TraceBuilder, c: TcpLadder, file = 'a.bin', preliminary = '150 Opening BINARY mode data connection'): TcpLadder {
  c.client('PA', 'PASV\r\n');
  c.server('PA', '227 Entering Passive Mode (198,51,100,20,195,80)\r\n');
  c.client('PA', `RETR ${file}\r\n`);
  const d = t.tcp({ client: '192.0.2.10:41000', server: '198.51.100.20:50000' });
  d.handshake();
  c.server('PA', `${preliminary}\r\n`);
  return d;
}

/** PASV + RETR of `bytes` over a passive data connection closed by the server's FIN, then 226. */
export function passiveRetr(t: TraceBuilder, c: TcpLadder, o: RetrOptions = {}): TcpLadder | null {
  const port = o.dataPort ?? 50000;
  const [h1, h2, h3, h4] = c.s.addr.split('.');
  c.client('PA', 'PASV\r\n');
  c.server('PA', `227 Entering Passive Mode (${h1},${h2},${h3},${h4},${port >> 8},${port & 255})\r\n`);
  c.client('PA', `RETR ${o.file ?? 'a.bin'}\r\n`);
  let d: TcpLadder | null = null;
  if (o.capture !== false) {
    d = t.tcp({ client: `${c.c.addr}:${c.c.port + 1000}`, server: `${c.s.addr}:${port}` });
    d.handshake();
  }
  c.server('PA', '150 Opening BINARY mode data connection\r\n');
  if (d) {
    d.stream('server', o.bytes ?? 4000);
    d.client('A');
    d.server('FA');
    d.client('FA');
    d.server('A');
  }
  c.server('PA', '226 Transfer complete\r\n');
  c.client('A');
  return d;
}

export function quit(c: TcpLadder): void {
  c.client('PA', 'QUIT\r\n');
  c.server('PA', '221 Goodbye\r\n');
  c.close();
}
