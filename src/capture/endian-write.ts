// Byte-order-aware writes shared by the pcap and pcapng writers (both can write either order, to
// make fixtures for the readers' byte-swapping paths).

export function putU32(b: Buffer, o: number, v: number, bigEndian: boolean): void {
  if (bigEndian) b.writeUInt32BE(v >>> 0, o);
  else b.writeUInt32LE(v >>> 0, o);
}

export function putU16(b: Buffer, o: number, v: number, bigEndian: boolean): void {
  if (bigEndian) b.writeUInt16BE(v, o);
  else b.writeUInt16LE(v, o);
}
