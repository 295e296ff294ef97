// Contracts of the live-capture layer: what openLive takes and returns, and what a backend
// (capture subprocess or the cap binding) must provide.
import type { CaptureSummary, Frame, FrameSink } from '../frame.ts';
import type { LiveError } from './errors.ts';

/** What the user picks with --backend. 'tcpdump' also covers dumpcap when tcpdump is absent. */
export type BackendChoice = 'auto' | 'tcpdump' | 'cap';

/** The backend actually running. */
export type BackendName = 'tcpdump' | 'dumpcap' | 'cap';

export interface LiveOptions {
  iface: string;
  /** BPF expression (pcap-filter(7)); default 'tcp'; '' captures everything. */
  filter?: string;
  /** Bytes kept per frame; default: the tool's own (262144 for tcpdump, 65535 fixed for cap). */
  snaplen?: number;
  backend?: BackendChoice;
  /** Path of a classic pcap file written as frames arrive, one write(2) per frame. */
  writeFile?: string;
  onFrame: FrameSink;
  /** Called once when the capture fails after openLive resolved (the same error ends up in
   *  LiveSummary.error), so a caller can report at once rather than when it awaits `done`. */
  onError?(e: LiveError): void;
  /** Kernel capture ring, bytes; default 64 MiB (see DEFAULT_BUFFER_BYTES in open.ts). */
  bufferBytes?: number;
  /** Command prepended to the capture tool's command line: ['sudo', '-n'] for a user with a
   *  sudo rule for tcpdump; tests use it to run tcpdump as nobody or in another netns.
   *  Subprocess backends only. */
  wrapper?: string[];
  /** Directories searched for tcpdump/dumpcap; default $PATH plus the sbin directories. */
  toolDirs?: string[];
}

export interface LiveSummary {
  backend: BackendName;
  iface: string;
  filter: string;
  linkType: number; //          LINKTYPE_* of the frames
  timestamps: 'kernel' | 'arrival'; // where frame times come from (cap: arrival in node)
  frames: number; //            frames delivered to onFrame
  bytes: number; //             captured bytes delivered (sum of capLen)
  cutBySnaplen: number; //      frames whose capLen < origLen
  startedAt: number; //         s since 1970, when the capture became active
  endedAt: number; //           s since 1970
  /** 'stop': stop() was called; 'ended': the capture ended by itself cleanly (tcpdump got a
   *  SIGINT from the terminal); 'error': it ended by itself on an error (see `error`). */
  endedBy: 'stop' | 'ended' | 'error';
  error: LiveError | null; //   set when the capture failed after it started
  /** The capture tool's own counters (tcpdump's exit statistics), null when unknown. */
  kernel: { received: number | null; dropped: number | null };
  writeFile: string | null;
  framesWritten: number; //     frames in the -w file
  capture: CaptureSummary | null; // the pcap stream parser's view (subprocess backends)
  warnings: string[]; //        one line each: tool warnings, cap's snaplen limit...
}

export interface LiveCapture {
  backend: BackendName;
  linkType: number;
  /** Stops the capture, flushes and closes -w; resolves when the last frame was delivered. */
  stop(): Promise<LiveSummary>;
  /** Resolves when the capture ended, for any reason (stop() included). Never rejects. */
  done: Promise<LiveSummary>;
}

/** What openLive hands a backend. */
export interface BackendStart {
  iface: string;
  filter: string;
  snaplen: number | undefined;
  bufferBytes: number;
  wrapper: string[];
  /** Receives every frame; the Frame object may be reused after it returns. */
  deliver(frame: Frame): void;
}

/** What a backend reports when it has ended. */
export interface BackendEnd {
  error: LiveError | null;
  kernel: { received: number | null; dropped: number | null };
  capture: CaptureSummary | null;
  warnings: string[];
}

export interface RunningBackend {
  linkType: number;
  timestamps: 'kernel' | 'arrival';
  snaplen: number; //      bytes per frame at most, as the -w header should say
  nanosecond: boolean; //  frame times carry nanoseconds worth keeping in -w
  /** Ends the capture; resolves (like `ended`) after the last frame was delivered. */
  stop(): Promise<BackendEnd>;
  /** Resolves once the backend has ended, whatever the reason. Never rejects. */
  ended: Promise<BackendEnd>;
}

export interface LiveBackend {
  name: BackendName;
  /** Rejects with a LiveError when the capture cannot start. */
  start(o: BackendStart): Promise<RunningBackend>;
}
