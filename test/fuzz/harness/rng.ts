// A small seeded PRNG for the mutation fuzzer: the same seed replays the same inputs, so a
// campaign that found something can be rerun exactly (Math.random cannot be seeded).

/** mulberry32 (Tommy Ettinger): 32-bit state, good enough spread for picking mutations. */
export class Rng {
  private s: number; // 32-bit state

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** Uniform uint32. */
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Integer in [0, n); 0 when n <= 0. */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.u32() / 4294967296) * n);
  }

  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Small integers much more often than large ones (sizes of inserted/deleted ranges). */
  small(max: number): number {
    const r = this.int(4);
    const cap = r === 0 ? 4 : r === 1 ? 16 : r === 2 ? 256 : max;
    return 1 + this.int(Math.min(cap, max));
  }
}
