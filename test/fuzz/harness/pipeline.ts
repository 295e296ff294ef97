// Whole-pipeline fuzzing: mutated frames of real FTP captures through the full Analysis (decode →
// TCP → FTP → diagnosis) and both reports.
//
// Heading: pipeline oracle
// Definition: for any sequence of frames, Analysis.frame()/finish() and renderText/renderJson
// either complete or throw a CaptureError (an unsupported link type); the text report carries no
// raw ESC or C1 byte (wire strings are escaped: a hostile banner must not drive the terminal);
// the JSON report parses. The reader and decoder are fuzzed on their own (campaign.ts); here the
// mutations aim at what the later stages trust: TCP payload bytes (control characters, CR/LF,
// Telnet IAC, reply codes), sequence/acknowledgment numbers, flags, header and IP lengths, and
// frame order (drops, duplicates, swaps). Small resource limits are drawn now and then so the
// cap paths (eviction, overflow gaps, cut lines, dropped commands) run too.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CaptureError, type Frame } from '../../../src/capture/frame.ts';
import { PacketDecoder } from '../../../src/decode/decoder.ts';
import { loadRules } from '../../../src/diagnose/rule-loader.ts';
import type { RuleSet } from '../../../src/diagnose/rule-types.ts';
import { Analysis, type AnalysisLimits } from '../../../src/pipeline/analyze.ts';
import { renderJson } from '../../../src/report/json.ts';
import { renderText } from '../../../src/report/text.ts';
import { frameFields } from './fields.ts';
import { mutate } from './mutate.ts';
import { Finding, readPushed } from './oracles.ts';
import type { Rng } from './rng.ts';

/** The project's own FTP captures: every scenario the diagnosis knows. */
export const CAPTURES_DIR = decodeURIComponent(new URL('../../../captures/', import.meta.url).pathname);

export interface PipelineSeed {
  name: string;
  linkType: number;
  frames: Buffer[]; // frame bytes, in capture order
  times: number[]; //  capture times, seconds
}

/** Frames of each capture in `dirs`, at most `maxFrames` per capture (the first ones: the
 *  handshake, login and first transfer are where the state machines branch). */
export function pipelineSeeds(dirs: readonly string[] = [CAPTURES_DIR], maxFrames = 120): PipelineSeed[] {
  const out: PipelineSeed[] = [];
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      if (!/\.(pcap|pcapng|cap)$/.test(name)) continue;
      const o = readPushed(fs.readFileSync(path.join(dir, name)));
      const frames = o.frames.slice(0, maxFrames);
      if (frames.length === 0) continue;
      out.push({ name, linkType: frames[0]!.linkType, frames: frames.map((f) => f.data), times: frames.map((f) => f.time) });
    }
  }
  return out;
}

// bytes a hostile peer would send: terminal escapes (ESC, CSI, C1 NEL/CSI/OSC), line ends,
// Telnet IAC, NUL, DEL, UTF-8 lead bytes
const NASTY = [0x1b, 0x9b, 0x85, 0x9d, 0x0d, 0x0a, 0xff, 0xfe, 0xfd, 0xf4, 0x00, 0x7f, 0x07, 0x08, 0xc2, 0xe2];
const INJECT = ['\x1b[2J', '\x1b]0;x\x07', '\r\n', '227 Entering Passive Mode (10,0,0,1,200,1)\r\n', '150 Opening\r\n', '226 ok\r\n', 'PORT 1,2,3,4,5,6\r\n', '\xff\xf4\xff\xf2', '\x9b31m'];

const decoder = new PacketDecoder({ reassembleFragments: false });

/** Where the TCP header and payload of a frame sit (tcpOffset 0 when it has none). */
function tcpLayout(data: Buffer, linkType: number): { ip: number; tcp: number; payload: number; payloadLength: number } {
  decoder.decode({ number: 1, offset: 0, tsSec: 0, tsNsec: 0, time: 0, linkType, interfaceId: 0, capLen: data.length, origLen: data.length, data });
  const p = decoder.packet;
  return { ip: p.ipOffset, tcp: p.tcpHeaderLength > 0 ? p.tcpOffset : 0, payload: p.payloadOffset, payloadLength: p.tcpHeaderLength > 0 ? p.payloadLength : 0 };
}

/** One edit aimed at what TCP and FTP read. */
function mutateFrame(src: Buffer, linkType: number, rng: Rng, donor: Buffer): Buffer {
  const l = tcpLayout(src, linkType);
  let b: Buffer = Buffer.from(src);
  const pay = () => l.payload + rng.int(l.payloadLength);
  const op = rng.int(l.tcp > 0 ? 10 : 1);
  switch (op) {
    case 0: // the structure-aware byte mutator of the reader/decoder campaigns
      b = mutate(b, frameFields(b, linkType, 0), rng, [donor]);
      break;
    case 1: // payload byte → a nasty one
      if (l.payloadLength > 0) b[pay()] = rng.pick(NASTY);
      break;
    case 2: // payload: overwrite with a hostile string
      if (l.payloadLength > 0) {
        const s = Buffer.from(rng.pick(INJECT), 'latin1');
        s.copy(b, pay(), 0, Math.min(s.length, l.payloadLength));
      }
      break;
    case 3: // payload: random bytes
      for (let k = rng.range(1, 8); k > 0 && l.payloadLength > 0; k--) b[pay()] = rng.int(256);
      break;
    case 4: // sequence number: nudged, wrapped or random
    case 5: {
      // acknowledgment number
      const at = l.tcp + (op === 4 ? 4 : 8);
      const cur = b.readUInt32BE(at);
      const r = rng.int(3);
      b.writeUInt32BE((r === 0 ? rng.u32() : r === 1 ? cur + (rng.chance(0.5) ? 1 : -1) * rng.range(1, 3000) : cur ^ 0x80000000) >>> 0, at);
      break;
    }
    case 6: // flags
      b[l.tcp + 13] = rng.chance(0.5) ? rng.int(256) : b[l.tcp + 13]! ^ (1 << rng.int(6));
      break;
    case 7: // data offset / IP total length
      if (rng.chance(0.5)) b[l.tcp + 12] = (rng.int(16) << 4) | (b[l.tcp + 12]! & 0x0f);
      else if (l.ip + 4 <= b.length) b.writeUInt16BE(rng.int(0x10000), l.ip + 2 + (b[l.ip]! >> 4 === 6 ? 2 : 0));
      break;
    case 8: // snaplen cut inside the payload
      b = b.subarray(0, l.payload + rng.int(l.payloadLength + 1));
      break;
    case 9: // ports (a data connection nobody announced, a second control connection)
      b.writeUInt16BE(rng.pick([20, 21, 990, 1024, 50000, rng.int(0x10000)]), l.tcp + (rng.chance(0.5) ? 0 : 2));
      break;
  }
  return b;
}

/** A mutant frame sequence of `seed`: a few frame edits and some drops, duplicates and swaps. */
export function mutateFrames(seed: PipelineSeed, rng: Rng, donor: PipelineSeed): Frame[] {
  const data = seed.frames.slice();
  const times = seed.times.slice();
  const edits = 1 + rng.int(rng.chance(0.7) ? 4 : 16);
  for (let e = 0; e < edits && data.length > 0; e++) {
    const i = rng.int(data.length);
    const r = rng.int(10);
    if (r < 7) data[i] = mutateFrame(data[i]!, seed.linkType, rng, rng.pick(donor.frames));
    else if (r === 7) {
      data.splice(i, 1);
      times.splice(i, 1);
    } else if (r === 8) {
      data.splice(i, 0, data[i]!);
      times.splice(i, 0, times[i]!);
    } else if (i + 1 < data.length) {
      [data[i], data[i + 1]] = [data[i + 1]!, data[i]!];
    }
  }
  return data.map((d, i) => {
    const time = times[i]!;
    const tsSec = Math.floor(time);
    return { number: i + 1, offset: 0, tsSec, tsNsec: Math.round((time - tsSec) * 1e9), time, linkType: seed.linkType, interfaceId: 0, capLen: d.length, origLen: d.length, data: d };
  });
}

/** Small caps, now and then, so the bound paths run under mutation too. */
export function drawLimits(rng: Rng): AnalysisLimits {
  if (!rng.chance(0.25)) return {};
  return {
    tcp: { maxFlows: rng.range(1, 4), maxBufferedBytesPerFlow: rng.range(1, 4000), maxBufferedBytesTotal: rng.range(1, 6000) },
    ftp: { maxLine: rng.range(1, 80), maxPending: rng.range(1, 4) },
  };
}

let defaultRules: RuleSet | null = null;

/** Loads and compiles the built-in rules now: the worker calls it before it reports ready, so the
 *  ~1 s of compiling (many seconds on a loaded machine) is not charged to the first case, where
 *  the hang watchdog read it as a hang. */
export function warmPipelineRules(): void {
  defaultRules ??= loadRules();
}

// Terminal control bytes that must never come out raw: ESC and the C1 range (as code points:
// the report is a JS string; a C1 byte on the wire is decoded as U+0080–U+009F)
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\x1b\x80-\x9f]/;

/** Runs the pipeline oracle over `frames`; throws a Finding when a contract breaks. Returns how
 *  the analysis ended ('ok' or the CaptureError code). */
export function checkPipeline(frames: readonly Frame[], limits: AnalysisLimits = {}, rules?: RuleSet): string {
  rules ??= defaultRules ??= loadRules();
  let ending = 'ok';
  let text: string;
  let json: string;
  try {
    const a = new Analysis({ rules, ...limits });
    try {
      for (const f of frames) a.frame(f);
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      ending = e.code;
    }
    const r = a.finish();
    text = renderText(r, { color: false, width: 100 });
    json = renderJson(r);
  } catch (e) {
    const err = e as Error;
    throw new Finding('crash', `pipeline threw ${err?.name ?? 'error'}: ${err?.message ?? String(e)}`, err?.stack ?? '');
  }
  const m = RAW_CONTROL.exec(text);
  if (m !== null) {
    const at = m.index;
    throw new Finding('invariant', `text report holds raw control character U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')}`, JSON.stringify(text.slice(Math.max(0, at - 80), at + 40)));
  }
  try {
    JSON.parse(json);
  } catch (e) {
    throw new Finding('invariant', `JSON report does not parse: ${(e as Error).message}`);
  }
  return ending;
}
