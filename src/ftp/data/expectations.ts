// The table of expected data connections (Zeek's design, base/protocols/ftp: an announced
// endpoint is registered, the connection that arrives at it is handed to the FTP session, and
// entries nobody used expire). Keyed by the listening endpoint "addr|port" only: in active mode
// the server may connect from any source port, not just 20.

/** Seconds an announced endpoint waits for its connection (Zeek uses 5 minutes too). */
export const EXPECTATION_TTL = 300;
/** Entries kept at most; the oldest go first. */
export const MAX_EXPECTATIONS = 4096;

export function endpointKey(addr: string, port: number): string {
  return `${addr}|${port}`;
}

interface Entry<T> {
  value: T;
  time: number; // capture time it was registered, seconds
}

export class ExpectedConnections<T> {
  private readonly map = new Map<string, Entry<T>>(); // insertion order = age order

  constructor(
    readonly ttl = EXPECTATION_TTL,
    readonly max = MAX_EXPECTATIONS,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** Expects a connection to `key` from now on; a newer announcement of the same endpoint wins. */
  add(key: string, value: T, time: number): void {
    this.map.delete(key);
    this.map.set(key, { value, time });
    this.expire(time);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }

  /** The live expectation for `key` at capture time `time`, if any (not consumed: an endpoint
   *  can see retries). */
  find(key: string, time: number): T | null {
    const e = this.map.get(key);
    if (!e) return null;
    if (time - e.time > this.ttl) {
      this.map.delete(key);
      return null;
    }
    return e.value;
  }

  /** Forgets `key` if it still maps to `value`. */
  remove(key: string, value: T): void {
    if (this.map.get(key)?.value === value) this.map.delete(key);
  }

  /** Drops entries older than the TTL (the oldest are first in the map). */
  expire(now: number): void {
    for (const [k, e] of this.map) {
      if (now - e.time <= this.ttl) break;
      this.map.delete(k);
    }
  }
}
