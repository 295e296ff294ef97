// What the TCP engine alone, or with the FTP stage (`ftp`: settled transfers let go as the
// pipeline lets them go, as parts of their sessions' units), holds per open connection: `n` control
// connections opened at once, each an exchange (handshake, a greeting, a few command/reply pairs a
// second apart, the last reply acknowledged, or not with `unacked`), all still open when measured.
// With `ftp` the FTP stage is the engine's listener and each session also lists a directory over a
// passive data connection (PASV, 227, LIST, 150, the data connection opened, carried and closed,
// 226), then sits idle, logged in, between commands: what a session of the 10^5-connections row
// holds while it waits. Heap and ArrayBuffer memory after a full collection, before and after the
// packets, divided by `n`; the engine (and analyzer) is used after the measurement (otherwise it
// is garbage by then). Run bundled (tsx wraps every function with a name call that inflates closures):
//   npx esbuild bench/engine-heap.ts --bundle --platform=node --format=esm --outfile=/tmp/eh.mjs
//   node --expose-gc /tmp/eh.mjs 20000 [unacked] [ftp]     (HEAP_SNAPSHOT=file also writes a heap snapshot)
import { writeHeapSnapshot } from 'node:v8';
import { TraceBuilder, type TcpLadder } from '../src/craft/trace-builder.ts';
import { PacketDecoder } from '../src/decode/decoder.ts';
import { TcpEngine } from '../src/tcp/engine.ts';
import type { TcpListener } from '../src/tcp/types.ts';
import { FtpAnalyzer } from '../src/ftp/analyzer.ts';
import type { Frame } from '../src/capture/frame.ts';
import type { Transfer } from '../src/ftp/types.ts';

const gc = (globalThis as { gc?: () => void }).gc;

function used(): { heap: number; buffers: number } {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

/** `n` control connections at once (a passive listing on each with `withListing`), all left open
 *  and idle between commands; `then` adds to connection i before the last acknowledgment (tests). */
export function idleControlConnections(n: number, opts: { unacked?: boolean; withListing?: boolean; then?: (t: TraceBuilder, i: number, c: TcpLadder) => void } = {}): Frame[] {
  const t = new TraceBuilder({ step: 0.00001 });
  const addr = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const conns = Array.from({ length: n }, (_, i) => t.tcp({ client: `${addr(i)}:40000`, server: '192.0.2.2:21' }));
  for (const c of conns) c.handshake();
  for (const c of conns) c.server('PA', '220 ready\r\n');
  for (const [cmd, reply] of [
    ['USER anonymous\r\n', '331 password please\r\n'],
    ['PASS x\r\n', '230 logged in\r\n'],
    ['PWD\r\n', '257 "/" is the current directory\r\n'],
  ]) {
    t.wait(1);
    for (const c of conns) {
      c.client('PA', cmd);
      c.server('PA', reply);
    }
  }
  if (opts.withListing) {
    t.wait(1);
    for (const c of conns) {
      c.client('PA', 'PASV\r\n');
      c.server('PA', '227 Entering Passive Mode (192,0,2,2,195,80)\r\n');
    }
    for (const c of conns) c.client('PA', 'LIST\r\n');
    const data = conns.map((_, i) => t.tcp({ client: `${addr(i)}:50000`, server: '192.0.2.2:50000' }));
    for (const d of data) d.handshake();
    for (const c of conns) c.server('PA', '150 Here comes the directory listing\r\n');
    for (const d of data) d.server('PA', '-rw-r--r-- 1 ftp ftp 1234 Dec 07 02:00 file.txt\r\n');
    for (const d of data) d.close();
    for (const c of conns) c.server('PA', '226 Directory send OK\r\n');
  }
  if (opts.then) conns.forEach((c, i) => opts.then!(t, i, c));
  // the last reply acknowledged (as an idle control connection has it), unless `unacked` is asked for
  if (!opts.unacked) for (const c of conns) c.client('A');
  return t.captureFrames();
}

/** The listener that keeps nothing: the engine alone. */
function bareListener(counts: { open: number; delivered: number }): TcpListener {
  return { onConnection: () => void counts.open++, onData: (_c, _f, d) => void (counts.delivered += d.length), onGap() {}, onEnd: () => void counts.open-- };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (gc === undefined) throw new Error('run with --expose-gc');
  const n = Number(process.argv[2] ?? 20_000);
  const unacked = process.argv.includes('unacked');
  const ftp = process.argv.includes('ftp');
  const frames = idleControlConnections(n, { unacked, withListing: ftp });
  const counts = { open: 0, delivered: 0 };
  const dec = new PacketDecoder();
  // a transfer settled while its session goes on is let go as a part of its unit (pipeline/release.ts)
  const done: Transfer[] = [];
  const analyzer = ftp ? new FtpAnalyzer({ transferDone: (t) => void done.push(t) }) : null;
  const engine = new TcpEngine(analyzer ?? bareListener(counts));
  const before = used();
  const t0 = process.cpuUsage();
  for (const f of frames) {
    if (dec.decode(f) === 'tcp') engine.packet(dec.packet);
    for (const t of done) if (analyzer!.partOf(t)) analyzer!.releasePart(t);
    done.length = 0;
  }
  const cpu = process.cpuUsage(t0);
  const after = used();
  // a heap snapshot of what is held, for a reader of holders (e.g. Chrome's Memory tab)
  if (process.env.HEAP_SNAPSHOT) writeHeapSnapshot(process.env.HEAP_SNAPSHOT);
  const heap = (after.heap - before.heap) / n;
  const buffers = (after.buffers - before.buffers) / n;
  const what = analyzer ? `${analyzer.liveSessionCount} sessions, ${analyzer.liveTransferCount} transfers` : `${counts.open} open, ${counts.delivered} B delivered`;
  console.log(
    `${n} control connections (${what}, ${engine.stats.liveFlows} flows in the table), ${frames.length} frames: heap ${(heap / 1024).toFixed(2)} KB + buffers ${(buffers / 1024).toFixed(2)} KB = ${((heap + buffers) / 1024).toFixed(2)} KB per control connection; CPU ${(((cpu.user + cpu.system) / frames.length) * 1000).toFixed(0)} ns/frame`,
  );
}
