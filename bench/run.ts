// All benchmarks, one table: node --import tsx bench/run.ts (npm run bench).
// Each benchmark module exports a function returning its figures; add a row block per module.
import Table from 'cli-table3';
import { benchReader } from './reader.ts';

const table = new Table({ head: ['benchmark', 'subject', 'median ms', 'M frames/s', 'MB/s', 'note'] });

const r = await benchReader();
table.push(
  ['capture reader', 'readCapture', r.ours.ms.toFixed(1), (r.ours.framesPerSec / 1e6).toFixed(2), r.ours.mbPerSec.toFixed(0), `${r.frames} frames of 60 B, median of ${r.runs}`],
  ['', 'pcap-parser', r.pcapParser.ms.toFixed(1), (r.pcapParser.framesPerSec / 1e6).toFixed(2), r.pcapParser.mbPerSec.toFixed(0), `readCapture is ${r.ratio.toFixed(1)}x faster`],
);

console.log(table.toString());
