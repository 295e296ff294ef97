// Runs tcpdump (classic pcap) or dumpcap (pcapng) around a scenario.
//
// tcpdump needs --immediate-mode: without it the kernel ring buffer is read in blocks and the
// last packets are lost when tcpdump is stopped. -U flushes each packet to the file. We wait for
// the "listening on" line before starting the scenario, and stop with SIGINT (tcpdump/dumpcap
// then flush and print their counters, which we keep: packets dropped by the kernel would make
// the trace lie, so they are reported).

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import type { Cleanup } from './cleanup.ts';
import { sleep } from './cleanup.ts';

// Loopback frames are up to 64 KiB: the default 2 MiB kernel buffer holds ~30 of them, and on a
// busy machine the capture falls behind and the kernel drops frames. 64 MiB does not.
const BUFFER_MIB = 64;

/** The capture lost frames (kernel drops): the trace would lie; the recorder retries the scenario. */
export class CaptureIncompleteError extends Error {
  override name = 'CaptureIncompleteError';
}

export interface CaptureOptions {
  file: string;
  iface: string; //          'lo', 'any', or a veth inside `netns`
  filter: string; //         BPF filter (kept in the truth file)
  tool?: 'tcpdump' | 'dumpcap'; // dumpcap writes pcapng; tcpdump classic pcap
  linkType?: string; //      tcpdump -y (e.g. LINUX_SLL for cooked v1 on 'any')
  netns?: string; //         run inside this network namespace
}

export interface CaptureStats {
  file: string;
  tool: string; //           command line used (for the truth file)
  linkType: string; //       as the tool announced it ("EN10MB (Ethernet)")
  packetsCaptured: number | null;
  packetsDroppedByKernel: number | null;
  bytes: number; //          file size
}

export interface RunningCapture {
  stop(): Promise<CaptureStats>;
}

const LINK_NAMES: Record<number, string> = { 1: 'EN10MB (Ethernet)', 113: 'LINUX_SLL (Linux cooked v1)', 276: 'LINUX_SLL2 (Linux cooked v2)' };

/** Link type of the first interface of a pcapng file (dumpcap does not print it): the first
 *  Interface Description Block follows the Section Header Block, link type at its offset 8. */
function fileLinkType(file: string): string {
  try {
    const b = readFileSync(file);
    if (b.readUInt32LE(0) !== 0x0a0d0d0a) return 'unknown';
    const le = b.readUInt32LE(8) === 0x1a2b3c4d;
    const shbLen = le ? b.readUInt32LE(4) : b.readUInt32BE(4);
    const idbType = le ? b.readUInt32LE(shbLen) : b.readUInt32BE(shbLen);
    if (idbType !== 1) return 'unknown';
    const lt = le ? b.readUInt16LE(shbLen + 8) : b.readUInt16BE(shbLen + 8);
    return LINK_NAMES[lt] ?? `link type ${lt}`;
  } catch {
    return 'unknown';
  }
}

export async function startCapture(opts: CaptureOptions, cleanup: Cleanup): Promise<RunningCapture> {
  const tool = opts.tool ?? 'tcpdump';
  const argv =
    tool === 'tcpdump'
      ? ['-i', opts.iface, '--immediate-mode', '-U', '-n', '-Z', 'root', '-B', String(BUFFER_MIB * 1024), ...(opts.linkType ? ['-y', opts.linkType] : []), '-w', opts.file, opts.filter]
      : ['-i', opts.iface, '-n', '-B', String(BUFFER_MIB), '-f', opts.filter, '-w', opts.file];
  const cmd = opts.netns ? 'ip' : tool;
  const args = opts.netns ? ['netns', 'exec', opts.netns, tool, ...argv] : argv;
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanup.killGroupOnExit(`${tool} ${opts.file}`, child.pid!, () => exited);

  // ready when the tool says it is capturing
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${tool} did not start: ${stderr.trim()}`)), 10000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${tool} exited (${code}) before capturing: ${stderr.trim()}`));
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/listening on|Capturing on/.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  // dumpcap announces itself before its first poll of the socket: give it a beat
  await sleep(tool === 'dumpcap' ? 500 : 100);

  return {
    async stop(): Promise<CaptureStats> {
      await sleep(300); // let the last FIN/ACK/RST of the scenario reach the socket
      try {
        process.kill(-child.pid!, 'SIGINT');
      } catch {
        /* already gone */
      }
      await Promise.race([exited, sleep(5000)]);
      const num = (re: RegExp) => {
        const m = re.exec(stderr);
        return m ? Number(m[1]) : null;
      };
      const lt = /link-type (.+?), snapshot/.exec(stderr)?.[1] ?? fileLinkType(opts.file);
      const stats: CaptureStats = {
        file: opts.file,
        tool: [cmd, ...args].join(' '),
        linkType: lt,
        packetsCaptured: num(/(\d+) packets? captured/) ?? num(/Packets captured: (\d+)/),
        packetsDroppedByKernel: num(/(\d+) packets? dropped by kernel/) ?? num(/received\/dropped on interface '.*?': \d+\/(\d+)/),
        bytes: statSync(opts.file).size,
      };
      if (stats.packetsDroppedByKernel) throw new CaptureIncompleteError(`${tool} reports ${stats.packetsDroppedByKernel} packets dropped by the kernel in ${opts.file}`);
      return stats;
    },
  };
}
