// Measures the largest single Buffer allocation made while a function runs.
//
// Heading: allocation proportional to a length field
// Definition: a reader that trusts a length field allocates what the field says (a 100-byte file
// claiming a 200 MiB record gets a 200 MiB buffer) instead of what the input holds. Every Buffer
// the capture and decode stages allocate goes through Buffer.alloc/allocUnsafe/allocUnsafeSlow,
// so wrapping those three while a case runs sees each size asked for, exactly and at no cost to
// the code under test; process.memoryUsage().arrayBuffers is checked beside it by the tests as a
// coarser, independent measure (it lags: garbage is counted until the next GC).

type Allocator = (size: number, ...rest: unknown[]) => Buffer;
const NAMES = ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const;
const B = Buffer as unknown as Record<(typeof NAMES)[number], Allocator>;

let depth = 0;
let largest = 0; // bytes, largest single allocation since the outermost spy started
const originals = new Map<string, Allocator>();

function install(): void {
  for (const name of NAMES) {
    const orig = B[name];
    originals.set(name, orig);
    B[name] = function (size: number, ...rest: unknown[]): Buffer {
      if (typeof size === 'number' && size > largest) largest = size;
      return orig.call(Buffer, size, ...rest);
    };
  }
}

function uninstall(): void {
  for (const name of NAMES) B[name] = originals.get(name)!;
  originals.clear();
}

/** Runs `fn` and returns its result with the largest Buffer size allocated meanwhile (bytes).
 *  Nested and async uses share one measurement window: keep them sequential. */
export async function largestAllocation<T>(fn: () => T | Promise<T>): Promise<{ value: T; largest: number }> {
  if (depth++ === 0) {
    largest = 0;
    install();
  }
  try {
    const value = await fn();
    return { value, largest };
  } finally {
    if (--depth === 0) uninstall();
  }
}

/** Synchronous variant, for the in-memory push parser and the decoder. */
export function largestAllocationSync<T>(fn: () => T): { value: T; largest: number } {
  if (depth++ === 0) {
    largest = 0;
    install();
  }
  try {
    const value = fn();
    return { value, largest };
  } finally {
    if (--depth === 0) uninstall();
  }
}
