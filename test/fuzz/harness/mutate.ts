// Mutations of a seed input, in the style of libFuzzer/AFL's havoc stage: a few random edits per
// input, half of them aimed at the length/type fields listed by fields.ts.
import type { Field } from './fields.ts';
import type { Rng } from './rng.ts';

/** Largest input a mutation may produce, bytes: keeps each case fast and its memory small. */
export const MAX_MUTANT_BYTES = 1 << 20;

// Boundary values for a field of each width: the values parsers get wrong (0, 1, the type's
// maximum, sign-bit flips) and the ones that matter to captures (12 = smallest pcapng block,
// 16/24/28/32 = pcap/pcapng header sizes, 262144 = libpcap's snaplen bound, 200/256 MiB).
const INTERESTING_8 = [0, 1, 2, 3, 4, 5, 6, 0x0f, 0x10, 0x40, 0x45, 0x4f, 0x50, 0x60, 0x7f, 0x80, 0xf0, 0xff];
const INTERESTING_16 = [0, 1, 2, 4, 8, 11, 12, 19, 20, 21, 39, 40, 41, 60, 0x7fff, 0x8000, 0xfffe, 0xffff];
const INTERESTING_32 = [
  0, 1, 3, 4, 8, 11, 12, 13, 16, 24, 28, 32, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff,
  262144, 262145, 0x100000, 0x200004, 0x1000000, 200 * 1024 * 1024, 256 * 1024 * 1024, 256 * 1024 * 1024 + 4,
  0x0a0d0d0a, 0x1a2b3c4d,
];

function readField(b: Buffer, f: Field): number {
  if (f.width === 1) return b[f.at]!;
  if (f.width === 2) return f.le ? b.readUInt16LE(f.at) : b.readUInt16BE(f.at);
  return f.le ? b.readUInt32LE(f.at) : b.readUInt32BE(f.at);
}

function writeField(b: Buffer, f: Field, v: number): void {
  const max = f.width === 1 ? 0xff : f.width === 2 ? 0xffff : 0xffffffff;
  const x = ((v % (max + 1)) + (max + 1)) % (max + 1);
  if (f.width === 1) b[f.at] = x;
  else if (f.width === 2) f.le ? b.writeUInt16LE(x, f.at) : b.writeUInt16BE(x, f.at);
  else f.le ? b.writeUInt32LE(x, f.at) : b.writeUInt32BE(x, f.at);
}

/** One edit to a field: a boundary value, or its current value nudged by a little. */
function mutateField(b: Buffer, f: Field, rng: Rng): void {
  if (f.at + f.width > b.length) return;
  const cur = readField(b, f);
  const r = rng.int(3);
  if (r === 0) writeField(b, f, rng.pick(f.width === 1 ? INTERESTING_8 : f.width === 2 ? INTERESTING_16 : INTERESTING_32));
  else if (r === 1) writeField(b, f, cur + (rng.chance(0.5) ? 1 : -1) * rng.range(1, 8));
  else writeField(b, f, cur + (rng.chance(0.5) ? 4 : -4) * rng.range(1, 4)); // stay 4-aligned
}

/** A mutant of `seed` (never modified): 1..6 edits. `fields` are the seed's; `donors` other inputs
 *  to splice from. */
export function mutate(seed: Buffer, fields: readonly Field[], rng: Rng, donors: readonly Buffer[]): Buffer {
  let b = Buffer.from(seed);
  const edits = 1 + rng.int(rng.chance(0.7) ? 2 : 6);
  for (let e = 0; e < edits; e++) {
    const op = rng.int(fields.length > 0 ? 12 : 9);
    switch (op) {
      case 0: // flip a bit
        if (b.length > 0) b[rng.int(b.length)] ^= 1 << rng.int(8);
        break;
      case 1: // random byte
        if (b.length > 0) b[rng.int(b.length)] = rng.int(256);
        break;
      case 2: // boundary byte
        if (b.length > 0) b[rng.int(b.length)] = rng.pick(INTERESTING_8);
        break;
      case 3: { // boundary 16/32-bit value anywhere, either byte order
        const width = rng.chance(0.5) ? 2 : 4;
        if (b.length >= width) mutateField(b, { at: rng.int(b.length - width + 1), width, le: rng.chance(0.5) }, rng);
        break;
      }
      case 4: { // delete a range
        if (b.length === 0) break;
        const at = rng.int(b.length);
        const n = Math.min(rng.small(b.length), b.length - at);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + n)]);
        break;
      }
      case 5: { // insert random or repeated bytes
        const at = rng.int(b.length + 1);
        const n = rng.small(4096);
        const ins = Buffer.alloc(n, rng.chance(0.5) ? rng.int(256) : 0);
        if (rng.chance(0.5)) for (let i = 0; i < n; i++) ins[i] = rng.int(256);
        b = Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
        break;
      }
      case 6: { // duplicate a range (repeated records, repeated headers)
        if (b.length === 0) break;
        const from = rng.int(b.length);
        const n = Math.min(rng.small(b.length), b.length - from);
        const at = rng.int(b.length + 1);
        b = Buffer.concat([b.subarray(0, at), b.subarray(from, from + n), b.subarray(at)]);
        break;
      }
      case 7: // cut short (Ctrl-C in the middle of a capture), or now and then repeat a range
        // many times (thousands of records or interfaces: per-record costs that are not constant)
        if (rng.chance(0.9) || b.length === 0) {
          b = b.subarray(0, rng.int(b.length + 1));
        } else {
          const from = rng.int(b.length);
          const n = Math.min(rng.small(256), b.length - from);
          const times = Math.min(rng.small(65536), Math.floor((MAX_MUTANT_BYTES - b.length) / n));
          const at = rng.int(b.length + 1);
          if (times > 0) b = Buffer.concat([b.subarray(0, at), Buffer.alloc(n * times, b.subarray(from, from + n)), b.subarray(at)]);
        }
        break;
      case 8: { // splice in a piece of another input
        if (donors.length === 0) break;
        const d = rng.pick(donors);
        if (d.length === 0) break;
        const from = rng.int(d.length);
        const n = Math.min(rng.small(d.length), d.length - from);
        const at = rng.int(b.length + 1);
        const over = rng.chance(0.5) ? Math.min(n, b.length - at) : 0; // overwrite or insert
        b = Buffer.concat([b.subarray(0, at), d.subarray(from, from + n), b.subarray(at + over)]);
        break;
      }
      default: // 9..11: aim at a known length/type field (more often than any single blind edit)
        mutateField(b, rng.pick(fields), rng);
        break;
    }
    if (b.length > MAX_MUTANT_BYTES) b = b.subarray(0, MAX_MUTANT_BYTES);
  }
  return b;
}
