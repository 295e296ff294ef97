// The interfaces a capture can use: `tcpdump -D` (what libpcap can open, pseudo-devices such as
// "any" included) merged with the kernel's view (addresses from os.networkInterfaces(), flags
// from /sys/class/net for interfaces that have no address).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { type LiveError, noSuchInterfaceError } from './errors.ts';
import { findTool } from './tool-path.ts';

export interface LiveInterface {
  name: string;
  description?: string; //  libpcap's ("Pseudo-device that captures on all interfaces")
  addresses: string[]; //   IPv4 and IPv6 addresses, as os.networkInterfaces() prints them
  up: boolean;
  loopback: boolean;
}

/** Linux net_device flags (include/uapi/linux/if.h). */
const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;

const TCPDUMP_D_TIMEOUT_MS = 5000;

export async function listInterfaces(opts: { toolDirs?: string[] } = {}): Promise<LiveInterface[]> {
  const byName = new Map<string, LiveInterface>();
  const get = (name: string): LiveInterface => {
    let i = byName.get(name);
    if (i === undefined) {
      i = { name, addresses: [], up: false, loopback: false };
      byName.set(name, i);
    }
    return i;
  };
  const tcpdump = findTool('tcpdump', opts.toolDirs);
  if (tcpdump !== null) {
    for (const d of parseTcpdumpD(await runTcpdumpD(tcpdump))) {
      const i = get(d.name);
      if (d.description !== undefined) i.description = d.description;
      i.up ||= d.up;
      i.loopback ||= d.loopback;
    }
  }
  for (const name of sysNetNames()) {
    const flags = sysNetFlags(name);
    const i = get(name);
    if (flags !== null) {
      i.up ||= (flags & IFF_UP) !== 0;
      i.loopback ||= (flags & IFF_LOOPBACK) !== 0;
    }
  }
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    const i = get(name);
    for (const a of addrs ?? []) {
      if (!i.addresses.includes(a.address)) i.addresses.push(a.address);
      if (a.internal) i.loopback = true;
    }
    // an interface with an address is configured; /sys (Linux) or tcpdump said whether it is up
    if (tcpdump === null && !fs.existsSync('/sys/class/net')) i.up = true;
  }
  return [...byName.values()];
}

export interface TcpdumpDevice {
  name: string;
  description?: string;
  up: boolean;
  loopback: boolean;
}

/** `tcpdump -D` output, one device a line:
 *    1.eth0 [Up, Running, Connected]
 *    2.any (Pseudo-device that captures on all interfaces) [Up, Running]
 *    3.lo [Up, Running, Loopback]
 *    7.nflog (Linux netfilter log (NFLOG) interface) [none]
 *  The description may itself hold parentheses; the flags are the last [...] group. */
export function parseTcpdumpD(text: string): TcpdumpDevice[] {
  const out: TcpdumpDevice[] = [];
  for (const raw of text.split('\n')) {
    const m = /^\s*\d+\.(\S+)(.*)$/.exec(raw.trimEnd());
    if (!m) continue;
    let rest = m[2]!.trim();
    let flags: string[] = [];
    const fm = /\[([^\]]*)\]$/.exec(rest);
    if (fm) {
      flags = fm[1]!.split(',').map((s) => s.trim());
      rest = rest.slice(0, fm.index).trim();
    }
    const dev: TcpdumpDevice = { name: m[1]!, up: flags.includes('Up'), loopback: flags.includes('Loopback') };
    if (rest.startsWith('(') && rest.endsWith(')')) dev.description = rest.slice(1, -1);
    out.push(dev);
  }
  return out;
}

/** Output of `tcpdump -D`, or '' if it fails: listing is best-effort, the kernel view remains. */
function runTcpdumpD(tcpdump: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(tcpdump, ['-D'], { timeout: TCPDUMP_D_TIMEOUT_MS, maxBuffer: 1 << 20 }, (err, stdout) => {
      resolve(err ? '' : stdout);
    });
  });
}

function sysNetNames(): string[] {
  try {
    return fs.readdirSync('/sys/class/net').sort();
  } catch {
    return []; // not Linux
  }
}

/** /sys/class/net/<name>/flags holds the flags as "0x1009". */
function sysNetFlags(name: string): number | null {
  try {
    const v = Number.parseInt(fs.readFileSync(`/sys/class/net/${name}/flags`, 'utf8').trim(), 16);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

/** Names only, for the unknown-interface message; never throws. */
export async function interfaceNames(toolDirs?: string[]): Promise<string[]> {
  try {
    return (await listInterfaces({ toolDirs })).map((i) => i.name);
  } catch {
    return [];
  }
}

/** Heading: unknown interface behind a permission error.
 *  Definition: libpcap opens its socket before it looks the device up, so an unprivileged user
 *  naming a non-existent interface is told "permission denied"; getting root would only lead to
 *  the next error. When the name is not in the interface list (which needs no privilege), that
 *  error is reported first. Numeric names are left alone: tcpdump -i 2 means the 2nd interface. */
export async function unknownInterface(iface: string, toolDirs?: string[]): Promise<LiveError | null> {
  if (/^\d+$/.test(iface)) return null;
  const names = await interfaceNames(toolDirs);
  return names.length > 0 && !names.includes(iface) ? noSuchInterfaceError(iface, names, null) : null;
}
