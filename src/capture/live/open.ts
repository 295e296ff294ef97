// openLive: starts a backend, writes every frame to the -w file BEFORE handing it to the caller
// (so a frame the caller has seen is on disk whatever happens next), counts, and turns the
// backend's end into one LiveSummary for both stop() and done.
import type { Frame } from '../frame.ts';
import { PcapFileWriter } from '../pcap-writer.ts';
import { chooseBackend } from './choose.ts';
import { LiveError, LiveErrorCode, errorText } from './errors.ts';
import type { BackendEnd, LiveCapture, LiveOptions, LiveSummary, RunningBackend } from './types.ts';

export const DEFAULT_FILTER = 'tcp';
/** Kernel capture ring, bytes. Why 64 MiB and not tcpdump's 2 MiB: in immediate mode libpcap
 *  uses fixed-size ring slots sized for the interface MTU, so on lo (MTU 65536) each slot takes
 *  ~64 KiB and 8 MiB holds only ~125 packets. bench/live-backends.ts, ping-pong at full speed on
 *  lo (10010 frames, loaded 2-core machine): 8 MiB lost 2118 frames, 32 MiB 313, 64 MiB none.
 *  On a 1500-byte-MTU interface the same ring holds ~40000 packets. */
export const DEFAULT_BUFFER_BYTES = 64 * 1024 * 1024;

export async function openLive(opts: LiveOptions): Promise<LiveCapture> {
  const filter = opts.filter ?? DEFAULT_FILTER;
  if (opts.iface === '') throw new LiveError(LiveErrorCode.BAD_OPTION, 'no interface given (ftpdiag interfaces lists them)');
  if (opts.snaplen !== undefined && !(Number.isInteger(opts.snaplen) && opts.snaplen > 0 && opts.snaplen <= 262144)) {
    throw new LiveError(LiveErrorCode.BAD_OPTION, `snaplen must be an integer from 1 to 262144 bytes (got ${opts.snaplen})`);
  }
  const backend = await chooseBackend(opts.backend ?? 'auto', { toolDirs: opts.toolDirs });

  let writer: PcapFileWriter | null = null;
  let running: RunningBackend | null = null;
  let failure: LiveError | null = null; // first error raised on our side (write, sink)
  let frames = 0; //       frames delivered
  let bytes = 0; //        captured bytes delivered
  let cut = 0; //          frames with capLen < origLen
  let startedAt = 0; //    s since 1970
  let linkType = -1; //    LINKTYPE_* of the capture, -1 until known

  const openWriter = (linkType: number, snaplen: number, nanosecond: boolean): void => {
    if (writer !== null || opts.writeFile === undefined) return;
    try {
      writer = new PcapFileWriter(opts.writeFile, { linkType, snaplen, nanosecond });
    } catch (e) {
      throw new LiveError(LiveErrorCode.WRITE_FAILED, `cannot write ${opts.writeFile}: ${errorText(e)}`, errorText(e));
    }
  };

  const fail = (e: LiveError): void => {
    if (failure !== null) return;
    failure = e;
    void running?.stop();
    try {
      opts.onError?.(e);
    } catch {
      // a throwing reporter must not turn into an exception inside cap's native callback
    }
  };

  const deliver = (f: Frame): void => {
    if (failure !== null) return;
    if (linkType < 0) linkType = f.linkType;
    try {
      if (opts.writeFile !== undefined) {
        if (writer === null) openWriter(f.linkType, running?.snaplen ?? 262144, running?.nanosecond ?? true);
        writer!.writeFrame(f);
      }
    } catch (e) {
      fail(e instanceof LiveError ? e : new LiveError(LiveErrorCode.WRITE_FAILED, `cannot write ${opts.writeFile}: ${errorText(e)}`, errorText(e)));
      return;
    }
    frames++;
    bytes += f.capLen;
    if (f.capLen < f.origLen) cut++;
    try {
      opts.onFrame(f);
    } catch (e) {
      fail(new LiveError(LiveErrorCode.SINK_FAILED, `frame ${f.number}: ${errorText(e)}`, errorText(e)));
    }
  };

  running = await backend.start({
    iface: opts.iface,
    filter,
    snaplen: opts.snaplen,
    bufferBytes: opts.bufferBytes ?? DEFAULT_BUFFER_BYTES,
    wrapper: opts.wrapper ?? [],
    deliver,
  });
  const run = running;
  startedAt = Date.now() / 1000;
  if (linkType < 0) linkType = run.linkType;
  // The -w file exists as soon as the capture runs (empty pcap with its header), unless the
  // link type is not known yet (dumpcap): then the first frame creates it.
  if (run.linkType >= 0) {
    try {
      openWriter(run.linkType, run.snaplen, run.nanosecond);
    } catch (e) {
      await run.stop();
      throw e;
    }
  }

  let stopCalled = false;
  const summarise = (end: BackendEnd): LiveSummary => {
    if (linkType < 0) linkType = end.capture?.linkTypes[0] ?? -1;
    // a capture that saw no frame still leaves a valid (empty) -w file when its link type is known
    if (writer === null && linkType >= 0 && failure === null) {
      try {
        openWriter(linkType, run.snaplen, run.nanosecond);
      } catch (e) {
        failure = e as LiveError;
      }
    }
    const w = writer as PcapFileWriter | null;
    const framesWritten = w?.frames ?? 0;
    try {
      w?.close();
    } catch {
      // close(2) failing after every write(2) succeeded loses nothing
    }
    const error: LiveError | null = failure ?? end.error;
    if (error !== null && error !== failure) {
      try {
        opts.onError?.(error);
      } catch {
        // the caller's reporter failing must not hide the summary
      }
    }
    return {
      backend: backend.name,
      iface: opts.iface,
      filter,
      linkType,
      timestamps: run.timestamps,
      frames,
      bytes,
      cutBySnaplen: cut,
      startedAt,
      endedAt: Date.now() / 1000,
      endedBy: error !== null ? 'error' : stopCalled ? 'stop' : 'ended',
      error,
      kernel: end.kernel,
      writeFile: opts.writeFile ?? null,
      framesWritten,
      capture: end.capture,
      warnings: end.warnings,
    };
  };
  const done = run.ended.then(summarise);
  return {
    backend: backend.name,
    get linkType() {
      return linkType;
    },
    stop: async () => {
      stopCalled = true;
      await run.stop();
      return done;
    },
    done,
  };
}
