// Which backend captures. Default: the tcpdump subprocess (dumpcap when tcpdump is absent), then
// cap. Evidence, bench/live-backends.ts on lo, 3 runs per row, shared 2-core machine (load ~5):
//  - frame times vs the kernel's: tcpdump 0.8-1.1 µs median, p99 <= 17 µs (a second kernel socket
//    stamps ~1 µs apart, so this is exact); cap (arrival time in node) 25-480 µs median, p99
//    4-22 ms, max 24 ms. Loopback RTTs are tens of µs and LAN RTTs well under a millisecond, so
//    cap's times would make ftpdiag's RTT, retransmission-delay and stall findings wrong.
//  - 64 KiB loopback frames (bulk 16 MB): tcpdump kept all 1830 at their real 65549 bytes; cap
//    cut 691 of 1653 at 65535 bytes with origLen unknown.
//  - losses: paced 2000 writes/s, with or without a 200 µs/frame sink: none for either. Ping-pong
//    at full speed: tcpdump missed 1497 of 29543 frames and REPORTED them (2993 "dropped by
//    kernel", lo counts both directions); cap missed 741 of 30030 and reported nothing (cap has no
//    pcap_stats). Both lose under that CPU contention; only tcpdump lets ftpdiag say so.
//  - interface deleted mid-capture: tcpdump exits with "The interface disappeared" and openLive's
//    done reports interface-gone; cap aborts the whole node process (assertion in binding.cc).
//  - cap needs node itself to hold CAP_NET_RAW; tcpdump can be given it alone (setcap).
//  - dumpcap (fallback): same kernel times and lengths, no drops in any row (it reads a
//    block-packed TPACKET_V3 ring, immediate mode's MTU-sized slots hold fewer packets on lo), but
//    it has no immediate mode: frames arrive up to 250 ms late and stop() waits 400 ms of quiet.
import { LiveError, LiveErrorCode, errorText, toolMissingError } from './errors.ts';
import { capBackend, loadCap } from './cap-backend.ts';
import { subprocessBackend } from './subprocess-backend.ts';
import { findTool } from './tool-path.ts';
import type { BackendChoice, LiveBackend } from './types.ts';

export const AUTO_ORDER: readonly ('tcpdump' | 'cap')[] = ['tcpdump', 'cap'];

export interface ChooseOptions {
  toolDirs?: string[]; // directories searched for tcpdump/dumpcap (default $PATH + sbin)
}

/** The backend for a --backend value; rejects with a LiveError saying how to get one. */
export async function chooseBackend(name: BackendChoice = 'auto', opts: ChooseOptions = {}): Promise<LiveBackend> {
  if (name === 'tcpdump') return toolBackend(opts) ?? Promise.reject(toolMissingError());
  if (name === 'cap') return capOrError(opts);
  if (name !== 'auto') throw new LiveError(LiveErrorCode.BAD_OPTION, `unknown capture backend '${String(name)}' (auto, tcpdump or cap)`);
  for (const b of AUTO_ORDER) {
    if (b === 'tcpdump') {
      const t = toolBackend(opts);
      if (t !== null) return t;
    } else {
      try {
        return capBackend(await loadCap(), opts.toolDirs);
      } catch {
        // fall through: the error below names the tool to install
      }
    }
  }
  throw toolMissingError();
}

/** tcpdump, else dumpcap (same stream, same kernel timestamps). */
function toolBackend(opts: ChooseOptions): LiveBackend | null {
  const tcpdump = findTool('tcpdump', opts.toolDirs);
  if (tcpdump !== null) return subprocessBackend('tcpdump', tcpdump, opts.toolDirs);
  const dumpcap = findTool('dumpcap', opts.toolDirs);
  if (dumpcap !== null) return subprocessBackend('dumpcap', dumpcap, opts.toolDirs);
  return null;
}

async function capOrError(opts: ChooseOptions): Promise<LiveBackend> {
  try {
    return capBackend(await loadCap(), opts.toolDirs);
  } catch (e) {
    const why = errorText(e).split('\n')[0];
    throw new LiveError(
      LiveErrorCode.BACKEND_UNAVAILABLE,
      `backend cap unavailable: ${why} (install libpcap-dev and reinstall with optional dependencies, or use --backend tcpdump)`,
      why ?? null,
    );
  }
}
