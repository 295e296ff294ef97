// Byte-order reads for the capture readers (files in either order) and the decoders (network
// order, big-endian).
//
// Callers check bounds before every read: plain byte arithmetic, without the argument validation
// Buffer#readUInt16BE/readUInt32BE do per call (~40 ns per frame on the hot path). Plain
// functions, so V8 inlines them at the call sites.

export function u16be(d: Buffer, o: number): number {
  return (d[o]! << 8) | d[o + 1]!;
}

export function u32be(d: Buffer, o: number): number {
  return ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;
}

export function u32le(d: Buffer, o: number): number {
  return (d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16) | (d[o + 3]! << 24)) >>> 0;
}
