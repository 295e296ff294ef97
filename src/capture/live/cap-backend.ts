// Capture in-process through the `cap` npm binding to libpcap (an optionalDependency: it needs a
// compiler and libpcap-dev at install time, so it may be missing; it is loaded on demand).
//
// What cap 0.2.1 does NOT give (node_modules/cap/src/binding.cc, checked by bench/live-backends.ts):
//  - no capture timestamp: the 'packet' event carries (nbytes, truncated) only, and pcap_pkthdr.ts
//    is dropped (EmitPacket). Frames are therefore stamped with their ARRIVAL time in node
//    (performance.timeOrigin + performance.now()), which lags the kernel's stamp by the event
//    loop's delay and bunches packets read in one poll wake-up.
//  - no original length: pkt_hdr->len is dropped, so origLen is the length cap passes (= capLen,
//    unless a snaplen below 65535 was asked for and the frame is cut here).
//  - the snaplen is fixed at 65535 (pcap_set_snaplen(65535) in Open); loopback frames can be
//    larger (lo's MTU is 65536), and those arrive cut at 65535 bytes with nothing saying so.
//  - it aborts the whole node process (assertion `status == 0` in cb_packets) when the
//    interface disappears during a capture: no error can be reported then.
//  - a Cap object garbage-collected after open() was called can crash node (see openedHandles).
//  - it always enables promiscuous mode and prints "Warning: ... This may not actually work" on
//    stderr itself for interfaces without an IPv4 address.
import type { Frame } from '../frame.ts';
import { drainQuiet } from './drain.ts';
import { LiveError, LiveErrorCode, errorText, noSuchInterfaceError, permissionHint } from './errors.ts';
import { interfaceNames, unknownInterface } from './interfaces.ts';
import { linkTypeFromCapName } from './link-type-names.ts';
import type { BackendEnd, BackendStart, LiveBackend, RunningBackend } from './types.ts';

/** cap's fixed snaplen (binding.cc: pcap_set_snaplen(obj->pcap_handle, 65535)), bytes. */
export const CAP_SNAPLEN = 65535;

/** The part of cap's API used here (it ships no type declarations). */
interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
  on(event: 'packet', fn: (nbytes: number, truncated: boolean) => void): void;
}
interface CapModule {
  Cap: new () => CapHandle;
}

let loaded: Promise<CapModule> | null = null;

/** Every Cap object open() was called on, kept alive for the life of the process. Why: cap's
 *  close() stops its uv_poll handle but never uv_close()s it, and an open() that fails after
 *  pcap_create (unknown device, bad filter) leaves pcap_handle set with the uv_poll_t never
 *  initialised; either way the destructor (~Pcap -> close) or libuv's handle queue later touches
 *  freed or uninitialised memory, and node segfaults once the object is garbage-collected.
 *  Seen here: a capture stopped with its Cap dropped right after close() crashed node (exit 139)
 *  in 2 of 2 runs of bench/live-backends.ts scenarios, and the test run segfaulted after the
 *  cap bad-filter test; with every handle kept, neither happens. The cost is a small object
 *  and a 64 KiB buffer per capture. */
const openedHandles: unknown[] = [];

/** Loads cap once; rejects with the reason it is unusable (not installed, native part not built,
 *  libpcap.so missing). */
export function loadCap(): Promise<CapModule> {
  loaded ??= (async () => {
    const name = 'cap'; // a variable, so that tsc does not look for cap's (absent) types
    const m = (await import(name)) as { default?: unknown; Cap?: unknown };
    const mod = (m.default ?? m) as Partial<CapModule>;
    if (typeof mod.Cap !== 'function') throw new Error('the cap module has no Cap class');
    return mod as CapModule;
  })();
  return loaded;
}

export function capBackend(cap: CapModule, toolDirs?: string[]): LiveBackend {
  return { name: 'cap', start: (o) => startCap(cap, o, toolDirs) };
}

async function startCap(cap: CapModule, o: BackendStart, toolDirs?: string[]): Promise<RunningBackend> {
  const warnings: string[] = [];
  if (o.wrapper.length > 0) throw new LiveError(LiveErrorCode.BAD_OPTION, 'a command wrapper (sudo...) only works with the tcpdump backend');
  let snaplen = CAP_SNAPLEN;
  if (o.snaplen !== undefined) {
    if (o.snaplen > CAP_SNAPLEN) warnings.push(`cap captures at most ${CAP_SNAPLEN} bytes per frame (snaplen ${o.snaplen} asked)`);
    snaplen = Math.min(o.snaplen, CAP_SNAPLEN);
  }
  const buf = Buffer.alloc(CAP_SNAPLEN);
  const c = new cap.Cap();
  let linkName: string;
  openedHandles.push(c, buf);
  try {
    linkName = c.open(o.iface, o.filter, o.bufferBytes, buf);
  } catch (e) {
    throw await openFailure(cap, o, errorText(e), toolDirs);
  }
  const linkType = linkTypeFromCapName(linkName);

  // One Frame reused for every packet (the Frame contract allows it).
  const f: Frame = { number: 0, offset: 24, tsSec: 0, tsNsec: 0, time: 0, linkType, interfaceId: 0, capLen: 0, origLen: 0, data: buf };
  let nextOffset = 24; //   where this frame's record would start in a pcap file, bytes
  let atLimit = 0; //       frames exactly CAP_SNAPLEN long: possibly cut, length unknown
  let lastPacket = 0; //    performance.now() of the last packet, ms
  let closed = false;
  c.on('packet', (nbytes: number) => {
    if (closed) return;
    // arrival time in node, not capture time: cap does not pass pcap_pkthdr.ts on
    const nowMs = performance.timeOrigin + performance.now();
    lastPacket = performance.now();
    const sec = Math.floor(nowMs / 1000);
    if (nbytes >= CAP_SNAPLEN) atLimit++;
    const capLen = Math.min(nbytes, snaplen);
    f.number++;
    f.offset = nextOffset;
    nextOffset += 16 + capLen;
    f.tsSec = sec;
    f.tsNsec = Math.min(999_999_999, Math.round((nowMs - sec * 1000) * 1e6));
    f.time = f.tsSec + f.tsNsec / 1e9;
    f.capLen = capLen;
    // cap drops pkt_hdr->len: the length seen is all we know of the wire length
    f.origLen = nbytes;
    f.data = buf.subarray(0, capLen);
    o.deliver(f);
  });

  let resolveEnded: (e: BackendEnd) => void = () => {};
  const ended = new Promise<BackendEnd>((r) => (resolveEnded = r));
  const finish = (): BackendEnd => {
    if (atLimit > 0) {
      warnings.push(`${atLimit} frame(s) reached cap's fixed ${CAP_SNAPLEN}-byte snaplen: their tail may be missing and their wire length is unknown`);
    }
    return { error: null, kernel: { received: null, dropped: null }, capture: null, warnings };
  };
  let stopping = false;
  const stop = async (): Promise<BackendEnd> => {
    if (!stopping) {
      stopping = true;
      await drainQuiet(() => lastPacket, () => closed);
      closed = true;
      c.close();
      resolveEnded(finish());
    }
    return ended;
  };
  return { linkType, timestamps: 'arrival', snaplen, nanosecond: false, stop, ended };
}

/** Heading: cap open-failure classification.
 *  Definition: cap throws libpcap's bare message (pcap_geterr): "socket: Operation not permitted"
 *  (EPERM), "No such device exists", or a filter compile error ("syntax error in filter
 *  expression"). Filter errors have no fixed wording, so an unrecognised failure with a filter is
 *  retried without it: if that open succeeds, the filter was at fault. */
async function openFailure(cap: CapModule, o: BackendStart, msg: string, toolDirs?: string[]): Promise<LiveError> {
  if (/permission|Operation not permitted|Permission denied/i.test(msg)) {
    const unknown = await unknownInterface(o.iface, toolDirs);
    if (unknown !== null) return unknown;
    return new LiveError(
      LiveErrorCode.PERMISSION,
      `no permission to capture on ${o.iface} (${msg}): ${permissionHint('tcpdump')} and use --backend tcpdump`,
      msg,
    );
  }
  if (/No such device|doesn't exist/i.test(msg)) return noSuchInterfaceError(o.iface, await interfaceNames(toolDirs), msg);
  if (o.filter !== '') {
    const probe = new cap.Cap();
    try {
      const probeBuf = Buffer.alloc(64);
      openedHandles.push(probe, probeBuf);
      probe.open(o.iface, '', 1 << 16, probeBuf);
      probe.close();
      return new LiveError(LiveErrorCode.BAD_FILTER, `bad capture filter '${o.filter}': ${msg}`, msg);
    } catch {
      // the interface itself fails: report the first message
    }
  }
  return new LiveError(LiveErrorCode.CAPTURE_FAILED, `cap: ${msg}`, msg);
}
