// Heading: stop-time drain.
// Definition: before a backend is told to stop, wait until no frame has arrived for QUIET_MS, but
// no longer than MAX_MS in all. Why: packets the kernel has already queued in the capture ring
// but the reader has not yet read are discarded when libpcap's loop is broken (tcpdump's SIGINT
// handler calls pcap_breakloop; cap's close() closes the handle). On a loaded machine the reader
// can lag the sender by milliseconds, so "stop right after the client finished" would lose the
// last packets (the FIN exchange) without this pause.

export const DRAIN_QUIET_MS = 50;
export const DRAIN_MAX_MS = 500;

/** Resolves once `lastActivity()` (ms, performance.now() clock) is QUIET_MS in the past, or after
 *  MAX_MS, or as soon as `ended()` is true. */
export async function drainQuiet(lastActivity: () => number, ended: () => boolean, quietMs = DRAIN_QUIET_MS, maxMs = DRAIN_MAX_MS): Promise<void> {
  const start = performance.now();
  for (;;) {
    if (ended()) return;
    const now = performance.now();
    const idle = now - Math.max(lastActivity(), start);
    if (idle >= quietMs || now - start >= maxMs) return;
    await new Promise((r) => setTimeout(r, Math.max(1, Math.min(quietMs - idle, maxMs - (now - start)))));
  }
}
