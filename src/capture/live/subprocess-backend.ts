// Capture through a tcpdump (or dumpcap) subprocess writing a pcap stream to its stdout, parsed
// with the file reader's push parser. Times are the kernel's capture timestamps, origLen is the
// real wire length, and the kernel ring and its drop counters are the tool's.
//
//   tcpdump -i IFACE --immediate-mode -U --time-stamp-precision=nano -B KIB -w - [-s N] -- FILTER
// --immediate-mode: without it libpcap waits for a full TPACKET_V3 block (or its timeout) before
//   handing packets over, and the packets of a partly filled block are lost at stop.
// -U: tcpdump flushes its stdout buffer after every packet instead of every 4 KiB.
import { spawn, type ChildProcess } from 'node:child_process';
import { CaptureError, type CaptureSummary, type Frame } from '../frame.ts';
import { CaptureStreamParser } from '../stream-parser.ts';
import { drainQuiet } from './drain.ts';
import { LiveError, LiveErrorCode, errorText, noSuchInterfaceError, permissionError, toolMissingError } from './errors.ts';
import { interfaceNames, unknownInterface } from './interfaces.ts';
import { classifyToolFailure, ToolStderr } from './tool-stderr.ts';
import type { ToolName } from './tool-path.ts';
import type { BackendEnd, BackendStart, LiveBackend, RunningBackend } from './types.ts';

/** How long a tool may take to open the interface, ms. tcpdump takes ~20 ms, dumpcap ~300 ms. */
const START_TIMEOUT_MS = 10_000;
/** How long a tool may take to exit after SIGINT before it is killed, ms. */
const EXIT_TIMEOUT_MS = 3000;
/** Stop-time drain for dumpcap, ms (see drain.ts). dumpcap has no immediate mode: libpcap hands
 *  it packets a TPACKET_V3 block at a time, a partly filled block only when its timeout (dumpcap
 *  asks for 250 ms) expires, and a block still open at SIGINT is lost. Waiting for the block
 *  timeout after the last packet gets those out. bench/live-backends.ts: with the tcpdump drain
 *  (50 ms quiet) dumpcap lost the last 6-52 frames of every run. */
const DUMPCAP_DRAIN_QUIET_MS = 400;
const DUMPCAP_DRAIN_MAX_MS = 1500;
/** tcpdump's default snaplen (libpcap MAXIMUM_SNAPLEN), bytes. */
const TOOL_DEFAULT_SNAPLEN = 262144;

export function toolArgs(tool: ToolName, o: Pick<BackendStart, 'iface' | 'filter' | 'snaplen' | 'bufferBytes'>): string[] {
  const snap = o.snaplen !== undefined ? ['-s', String(o.snaplen)] : [];
  if (tool === 'tcpdump') {
    const kib = String(Math.max(1, Math.round(o.bufferBytes / 1024)));
    // '--' so that a filter starting with '-' is not read as an option
    const filter = o.filter !== '' ? ['--', o.filter] : [];
    return ['-i', o.iface, '--immediate-mode', '-U', '--time-stamp-precision=nano', '-B', kib, '-w', '-', ...snap, ...filter];
  }
  // dumpcap: -P classic pcap (the parser reads pcapng too, but pcap keeps tcpdump's framing);
  // dumpcap flushes after every packet when writing to a pipe
  const mib = String(Math.max(1, Math.round(o.bufferBytes / (1024 * 1024))));
  const filter = o.filter !== '' ? ['-f', o.filter] : [];
  return ['-i', o.iface, '-P', '-B', mib, '-w', '-', ...snap, ...filter];
}

/** Children still running, killed if this process exits without stopping them (an orphaned
 *  tcpdump on a quiet interface would otherwise live until its next write hits EPIPE). */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  liveChildren.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of liveChildren) c.kill('SIGKILL');
    });
  }
}

export function subprocessBackend(tool: ToolName, toolPath: string, toolDirs?: string[]): LiveBackend {
  return { name: tool, start: (o) => startTool(tool, toolPath, o, toolDirs) };
}

function startTool(tool: ToolName, toolPath: string, o: BackendStart, toolDirs?: string[]): Promise<RunningBackend> {
  const argv = [...o.wrapper, toolPath, ...toolArgs(tool, o)];
  // Its own process group: a Ctrl-C in the terminal then reaches only ftpdiag, which stops the
  // tool itself after draining what the kernel still queues (stop()); the same group would let
  // the tool die on the spot and lose the last frames. The exit hook below still kills it if
  // ftpdiag itself dies.
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  track(child);
  const err = new ToolStderr(tool);
  let lastData = 0; //          performance.now() of the last stdout chunk, ms
  let closed = false; //        the child exited and its pipes are drained
  let stopping = false; //      stop() asked for the end
  let spawnError: Error | null = null;
  let parseError: LiveError | null = null;
  const parser = new CaptureStreamParser(`${tool} output`, (f: Frame) => {
    if (parseError === null) o.deliver(f);
  });

  child.stdout!.on('data', (chunk: Buffer) => {
    lastData = performance.now();
    if (parseError !== null) return;
    try {
      parser.push(chunk);
    } catch (e) {
      // only a tool writing something other than pcap gets here (or a throwing deliver, which
      // openLive prevents); stop reading and end the capture
      parseError = new LiveError(LiveErrorCode.CAPTURE_FAILED, `${tool} output unreadable: ${errorText(e)}`, errorText(e));
      child.kill('SIGINT');
    }
  });
  child.stderr!.setEncoding('utf8');

  let onStarted: () => void = () => {};
  let onStartFailed: (e: LiveError) => void = () => {};
  const started = new Promise<void>((resolve, reject) => {
    onStarted = resolve;
    onStartFailed = reject;
  });
  child.stderr!.on('data', (s: string) => {
    const was = err.started;
    err.push(s);
    if (!was && err.started) onStarted();
  });
  child.on('error', (e: NodeJS.ErrnoException) => {
    spawnError = e; // 'close' follows and reports it
  });

  const ended = new Promise<BackendEnd>((resolve) => {
    child.on('close', async (code, signal) => {
      closed = true;
      liveChildren.delete(child);
      err.end();
      let capture: CaptureSummary | null = null;
      try {
        capture = parser.end();
      } catch (e) {
        // CaptureError 'not-a-capture': no pcap header at all, the tool died before writing
        if (!(e instanceof CaptureError) && parseError === null) parseError = new LiveError(LiveErrorCode.CAPTURE_FAILED, `${tool} output unreadable: ${errorText(e)}`);
      }
      let error: LiveError | null = parseError;
      if (error === null && spawnError !== null) error = spawnFailure(spawnError, argv[0]!, o.wrapper.length > 0, o.iface, tool);
      if (error === null && !(stopping && signal === 'SIGKILL')) {
        const c = classifyToolFailure(err, o.iface, o.filter, { code, signal });
        if (c !== null) error = 'noSuchInterface' in c ? noSuchInterfaceError(o.iface, await interfaceNames(toolDirs), c.noSuchInterface) : c;
        if (error?.code === LiveErrorCode.PERMISSION && !err.started) error = (await unknownInterface(o.iface, toolDirs)) ?? error;
      }
      if (!err.started) onStartFailed(error ?? new LiveError(LiveErrorCode.CAPTURE_FAILED, `${tool} exited before the capture started`));
      const warnings = err.warnings();
      if (capture?.truncated) warnings.push(`${tool} output ended inside a record: the last frame is lost`);
      resolve({ error, kernel: { received: err.received, dropped: err.dropped }, capture, warnings });
    });
  });

  const stop = async (): Promise<BackendEnd> => {
    if (!closed && !stopping) {
      stopping = true;
      if (tool === 'dumpcap') await drainQuiet(() => lastData, () => closed, DUMPCAP_DRAIN_QUIET_MS, DUMPCAP_DRAIN_MAX_MS);
      else await drainQuiet(() => lastData, () => closed);
      if (!closed) {
        child.kill('SIGINT'); // tcpdump and dumpcap flush, print their statistics and exit 0
        const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
        await ended;
        clearTimeout(timer);
      }
    }
    return ended;
  };

  const startTimer = setTimeout(() => {
    onStartFailed(new LiveError(LiveErrorCode.CAPTURE_FAILED, `${tool} did not start capturing on ${o.iface} within ${START_TIMEOUT_MS / 1000} s`));
    child.kill('SIGKILL');
  }, START_TIMEOUT_MS);
  return started.then(
    () => {
      clearTimeout(startTimer);
      return {
        // dumpcap does not print the link type; -1 until its pcap header arrives (openLive then
        // reads it from the first frame)
        linkType: err.linkType,
        timestamps: 'kernel' as const,
        snaplen: o.snaplen ?? TOOL_DEFAULT_SNAPLEN,
        nanosecond: tool === 'tcpdump',
        stop,
        ended,
      };
    },
    async (e: unknown) => {
      clearTimeout(startTimer);
      if (!closed) {
        child.kill('SIGKILL');
        await ended;
      }
      throw e;
    },
  );
}

function spawnFailure(e: NodeJS.ErrnoException, cmd: string, wrapped: boolean, iface: string, tool: ToolName): LiveError {
  if (e.code === 'ENOENT') {
    return wrapped ? new LiveError(LiveErrorCode.TOOL_MISSING, `cannot run ${cmd}: not found`, e.message) : toolMissingError();
  }
  if (e.code === 'EACCES') return permissionError(iface, tool, `cannot execute ${cmd}`);
  return new LiveError(LiveErrorCode.CAPTURE_FAILED, `cannot run ${cmd}: ${e.message}`, e.message);
}
