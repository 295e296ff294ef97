// Builds the HTML report's drawings from one extra pass over the capture (a ladder around each
// finding's frames, a time-sequence graph per data connection), then the page (html.ts).

import { rename, rm, writeFile } from 'node:fs/promises';
import { isStdinPath } from '../capture/read.ts';
import type { Finding } from '../diagnose/finding.ts';
import type { AnalysisResult } from '../pipeline/result.ts';
import { renderHtml, type FindingDrawing, type HtmlDrawings, type TimeSeqDrawing } from './html.ts';
import { LadderBuilder, LadderError, planConnection, planTransfer, type LadderPlan } from './ladder-model.ts';
import { renderLadderSvg } from './ladder-svg.ts';
import { groupDigits, sizeText } from '../format/numbers.ts';
import { replayConnections, type ReplayConsumer } from './packet-replay.ts';
import { TimeSeqBuilder } from './time-sequence.ts';
import { TOOL_VERSION } from './tool-version.ts';
import { renderTimeSequenceSvg } from './time-sequence-svg.ts';
import type { DecoderOptions } from '../decode/decoder.ts';
import { resultView, type ResultView } from '../view/result.ts';

export interface HtmlBuildOptions {
  showPasswords: boolean;
  error?: string | null; //        capture fault of the main pass, one line
  ladderRows?: number; //          packets per finding ladder before folding (default 24)
  laddersPerId?: number; //        findings of one rule that get a ladder (default 3)
  maxLadders?: number; //          in all (default 60)
  maxGraphs?: number; //           time-sequence graphs (default 40)
  decode?: DecoderOptions; //      the decoder settings of the analysis, for the second read
}

/** Which packets illustrate a finding: its transfer (control + data), else its connection, else
 *  its session's control connection; null for capture-wide findings. */
function planFor(f: Finding, rv: ResultView): LadderPlan | null {
  try {
    if (f.transfer !== null) return planTransfer(rv, f.transfer);
    if (f.connection !== null) return planConnection(rv, f.connection);
    if (f.session !== null) {
      const s = rv.sessions.get(f.session);
      if (s) return planConnection(rv, s.s.control);
    }
  } catch (e) {
    if (!(e instanceof LadderError)) throw e;
  }
  return null;
}

/** The complete page. `path` null: the capture came from standard input and cannot be read
 *  again, so the page has no drawings (and says so). */
export async function buildHtmlReport(path: string | readonly string[] | null, r: AnalysisResult, opts: HtmlBuildOptions): Promise<string> {
  // the views of the whole capture, built once for the page, its ladders and its graphs
  const rv = resultView(r, { showPasswords: opts.showPasswords });
  const findings = new Map<Finding, FindingDrawing>();
  const timeSequence: TimeSeqDrawing[] = [];
  let note: string | null = null;
  const ladders: Array<{ f: Finding; b: LadderBuilder }> = [];
  const graphs: TimeSeqBuilder[] = [];

  if (path === null) {
    note = 'The capture was read from standard input, which cannot be read twice: packet ladders and time-sequence graphs need a capture file (ftpdiag analyze FILE --html …).';
  } else {
    const perId = new Map<string, number>();
    const maxLadders = opts.maxLadders ?? 60;
    for (const f of r.findings) {
      if (f.frames.length === 0) {
        findings.set(f, { note: 'This finding cites no frame, so there is no ladder for it.' });
        continue;
      }
      const plan = planFor(f, rv);
      if (!plan) {
        findings.set(f, { note: 'This finding is about the capture as a whole: no single connection to draw.' });
        continue;
      }
      const n = perId.get(f.id) ?? 0;
      if (n >= (opts.laddersPerId ?? 3) || ladders.length >= maxLadders) {
        findings.set(f, { note: `Ladder left out (one per finding for the first few of each kind); draw it with: ftpdiag ladder FILE ${ladderArgs(f)}` });
        continue;
      }
      perId.set(f.id, n + 1);
      ladders.push({ f, b: new LadderBuilder(rv, plan, { max: opts.ladderRows ?? 24, findings: [f], context: 3, keepEnds: false }) });
    }
    // graphs: data connections of transfers with findings first, then the others, in transfer order
    const withFindings = new Set(r.findings.map((f) => f.transfer).filter((x): x is number => x !== null));
    const candidates = r.transfers.filter((t) => t.dataConnection !== null);
    const chosen = [...candidates.filter((t) => withFindings.has(t.id)), ...candidates.filter((t) => !withFindings.has(t.id))].slice(0, opts.maxGraphs ?? 40);
    chosen.sort((a, b) => a.id - b.id);
    const seenConn = new Set<number>();
    for (const t of chosen) {
      const c = t.dataConnection === null ? undefined : rv.connections.get(t.dataConnection)?.c;
      if (!c || seenConn.has(c.id)) continue;
      seenConn.add(c.id);
      graphs.push(new TimeSeqBuilder(c, rv.transfers.get(t.id)!));
    }
    if (candidates.length > chosen.length) note = `Time-sequence graphs are drawn for ${chosen.length} of ${candidates.length} data connections (those with findings first).`;
    const consumers: ReplayConsumer[] = [...ladders.map((l) => l.b), ...graphs];
    const replay = await replayConnections(path, consumers, opts.decode);
    if (replay.error) note = `${note ? note + ' ' : ''}The second read of the capture stopped at the same fault as the first: drawings cover the part read.`;
  }

  for (const { f, b } of ladders) {
    const m = b.finish();
    const cited = m.findings.find((x) => x.id === f.id);
    if (!cited || cited.drawn.length === 0) {
      findings.set(f, { note: 'None of its frames is a TCP segment of the connections it is about, so there is no ladder for it.' });
      continue;
    }
    const rows = m.items.filter((x) => x.kind === 'packet').length;
    const caption = `${m.title} (${m.subtitle}): ${groupDigits(m.packets)} ${m.packets === 1 ? 'packet' : 'packets'}${rows < m.packets ? `, ${groupDigits(rows)} drawn around frames ${cited.drawn.join(', ')}` : ''}. Shaded: the frames this finding cites. Terminal version: ftpdiag ladder FILE ${ladderArgs(f)}`;
    findings.set(f, { svg: renderLadderSvg(m, { focus: f.frames, focusSeverity: f.severity, label: `Packet ladder for ${f.id}: ${m.title}` }), caption });
  }
  for (const g of graphs) {
    const m = g.finish();
    const caption = `${m.senderLabel} sent ${sizeText(m.bytes)} to ${m.receiverLabel} in ${groupDigits(m.segments)} data ${m.segments === 1 ? 'segment' : 'segments'}${m.retransmissions ? `, ${groupDigits(m.retransmissions)} of them again or out of order` : ''}${m.events.some((e) => e.kind === 'RST') ? '; reset' : ''}.${m.merged ? ' Points merged per time slice (long connection).' : ''}`;
    timeSequence.push({ conn: m.conn, transfer: m.transfer, title: m.title, svg: renderTimeSequenceSvg(m), caption });
  }
  const drawings: HtmlDrawings = { findings, timeSequence, note };
  return renderHtml(rv, drawings, { error: opts.error ?? null, version: TOOL_VERSION });
}

function ladderArgs(f: Finding): string {
  if (f.transfer !== null) return `--transfer ${f.transfer}`;
  if (f.connection !== null) return `--connection ${f.connection}`;
  return `--frame ${f.frames[0] ?? 1}`;
}

/** `analyze --html FILE`: builds the page and writes it (to FILE.tmp, then renamed, so a
 *  browser never sees half a report). Throws an Error with a one-line message when FILE cannot
 *  be written. `trace` '-' or '' means standard input (no drawings). */
export async function writeHtmlReport(file: string, trace: string | readonly string[], r: AnalysisResult, opts: HtmlBuildOptions): Promise<void> {
  const html = await buildHtmlReport(typeof trace === 'string' && isStdinPath(trace) ? null : trace, r, opts);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, html, 'utf8');
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw new Error(`cannot write the HTML report ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
