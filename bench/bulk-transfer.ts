// A trace that is mostly file data: one FTP session of a few large passive RETRs, the server
// sending full-size segments (1,448 bytes, as over Ethernet with TCP timestamps), the client
// acknowledging every second one, data frames cut to the bench's snapshot length as with
// `tcpdump -s`. The replicated bench traces are made of short sessions (about 70 frames each),
// so there the cost per session decides the speed; here the cost per frame of a data connection
// does. `npm run bench` measures it as `ftp-bulk` (bench/big-trace.ts caches it); by hand:
//
//   node --import tsx bench/bulk-transfer.ts TRANSFERS SEGMENTS FILE
//   /usr/bin/time -f '%e s %M KB' ftpdiag analyze FILE > /dev/null
//
// Crafted with src/craft, not captured from a server: what matters here is the shape. Written
// piece by piece (TraceBuilder.takeFrames), so its size is not bounded by memory.

import * as fs from 'node:fs';
import { fdSink, PcapWriter } from '../src/capture/pcap-writer.ts';
import { TraceBuilder } from '../src/craft/trace-builder.ts';
import { converse } from './long-session.ts';

const T0 = 1_700_000_000; // capture time of the first frame, seconds
/** Bumped when the trace written changes (bench/big-trace.ts rebuilds its cached copy). */
export const BULK_VERSION = 1;
/** Payload of a full-size segment: a 1,500-byte MTU less IP, TCP and timestamp option headers. */
const SEGMENT = 1448;
/** Frames built before they are written out. */
const FLUSH_EVERY = 8192;

export interface BulkTrace {
  frames: number;
  durationSeconds: number;
}

/** Writes a session of `transfers` RETRs of `segments` full-size segments each to `file`, each
 *  frame cut to `snaplen` bytes. */
export function writeBulkTransfer(transfers: number, segments: number, file: string, snaplen: number): BulkTrace {
  // 10 µs a frame: ~100 MB/s of file data, a LAN transfer
  const t = new TraceBuilder({ start: T0, step: 0.00001 });
  const fd = fs.openSync(file, 'w');
  let last = T0; // time of the last frame written
  try {
    const w = new PcapWriter(fdSink(fd), { linkType: t.linkType, snaplen });
    const flush = () => {
      for (const f of t.takeFrames(snaplen)) {
        w.writeFrame(f);
        last = f.tsSec + f.tsNsec / 1e9;
      }
    };
    const filler = Buffer.alloc(SEGMENT, 0x61);
    const c = t.tcp({ client: '10.1.0.1:40000', server: '10.1.0.2:21' });
    c.handshake();
    converse(c, ['220 ready', 'USER mirror', '331 password please', 'PASS secret', '230 logged in', 'TYPE I', '200 binary']);
    for (let i = 0; i < transfers; i++) {
      const port = 20000 + i;
      c.client('PA', 'PASV\r\n');
      c.server('PA', `227 Entering Passive Mode (10,1,0,2,${port >> 8},${port & 255})\r\n`);
      const d = t.tcp({ client: `10.1.0.1:${50000 + i}`, server: `10.1.0.2:${port}` });
      d.handshake();
      c.client('PA', `RETR image${i}.iso\r\n`);
      c.server('PA', `150 opening BINARY data connection for image${i}.iso (${segments * SEGMENT} bytes)\r\n`);
      for (let k = 0; k < segments; k++) {
        d.server(k === segments - 1 ? 'PA' : 'A', filler);
        if (k % 2 === 1 || k === segments - 1) d.client('A');
        if (t.frames().length >= FLUSH_EVERY) flush();
      }
      d.close();
      c.server('PA', '226 transfer complete\r\n');
      c.client('A');
    }
    c.client('PA', 'QUIT\r\n');
    c.server('PA', '221 goodbye\r\n');
    c.close();
    flush();
  } finally {
    fs.closeSync(fd);
  }
  return { frames: t.count, durationSeconds: last - T0 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2]);
  const segments = Number(process.argv[3]);
  const file = process.argv[4];
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(segments) || segments < 1 || !file) {
    process.stderr.write('usage: node --import tsx bench/bulk-transfer.ts TRANSFERS SEGMENTS FILE\n');
    process.exit(2);
  }
  process.stdout.write(`${file}: ${writeBulkTransfer(n, segments, file, 160).frames} frames, one session of ${n} transfers of ${segments} segments\n`);
}
