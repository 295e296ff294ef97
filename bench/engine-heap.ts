// What the TCP engine alone holds per open connection: `n` connections opened at once, each a
// control connection's exchange (handshake, a greeting, a few command/reply pairs a second apart,
// the last reply acknowledged, or not with `unacked`), all still open when measured. Heap and ArrayBuffer memory
// after a full collection, before and after the packets, divided by `n`; the listener keeps
// nothing (the engine is used after the measurement: otherwise it is garbage by then). Run bundled (tsx wraps every function with a name call that inflates closures):
//   npx esbuild bench/engine-heap.ts --bundle --platform=node --format=esm --outfile=/tmp/eh.mjs
//   node --expose-gc /tmp/eh.mjs 20000 [unacked]
import { TraceBuilder } from '../src/craft/trace-builder.ts';
import { PacketDecoder } from '../src/decode/decoder.ts';
import { TcpEngine } from '../src/tcp/engine.ts';

const n = Number(process.argv[2] ?? 20_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

function used(): { heap: number; buffers: number } {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

const t = new TraceBuilder({ step: 0.00001 });
const conns = Array.from({ length: n }, (_, i) => t.tcp({ client: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:40000`, server: '192.0.2.2:21' }));
for (const c of conns) c.handshake();
for (const c of conns) c.server('PA', '220 ready\r\n');
for (const cmd of ['USER anonymous\r\n', 'PASS x\r\n', 'PWD\r\n']) {
  t.wait(1);
  for (const c of conns) {
    c.client('PA', cmd);
    c.server('PA', '200 ok\r\n');
  }
}
// the last reply acknowledged (as an idle control connection has it), unless `unacked` is asked for
if (process.argv[3] !== 'unacked') for (const c of conns) c.client('A');
const frames = t.captureFrames();
conns.length = 0;
let delivered = 0;
let open = 0;
const dec = new PacketDecoder();
const engine = new TcpEngine({ onConnection: () => void open++, onData: (_c, _f, d) => void (delivered += d.length), onGap() {}, onEnd: () => void open-- });
const before = used();
const t0 = process.cpuUsage();
for (const f of frames) if (dec.decode(f) === 'tcp') engine.packet(dec.packet);
const cpu = process.cpuUsage(t0);
const after = used();
const heap = (after.heap - before.heap) / n;
const buffers = (after.buffers - before.buffers) / n;
console.log(
  `${n} open (${open}, ${engine.stats.liveFlows} in the table), ${frames.length} frames, ${delivered} B delivered: heap ${(heap / 1024).toFixed(2)} KB + buffers ${(buffers / 1024).toFixed(2)} KB = ${((heap + buffers) / 1024).toFixed(2)} KB per open connection; engine CPU ${(((cpu.user + cpu.system) / frames.length) * 1000).toFixed(0)} ns/frame`,
);
