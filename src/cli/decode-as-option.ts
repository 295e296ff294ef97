// `-d/--decode-as`, in tshark's syntax, for the UDP tunnels ftpdiag decodes: VXLAN on a port
// other than 4789 (Linux's own default is 8472, flannel's too) or GENEVE on one other than 6081.
//
//   -d udp.port==8472,vxlan        one port
//   -d udp.port==8472-8473,vxlan   a range, as tshark takes it (also 8472:2, a count)
//
// FTP needs no such option: ftpdiag finds it on any port.

import type { DecoderOptions } from '../decode/decoder.ts';
import { UDP_TUNNELS, type UdpTunnel } from '../decode/dispatch.ts';
import { CliError } from './io.ts';

/** Ports one -d may name (a range wider than this is a typo, not a tunnel). */
const MAX_PORTS = 1024;

export const decodeAsOptionSpec = {
  alias: 'd',
  type: 'string' as const,
  requiresArg: true,
  describe: "decode a UDP port as a tunnel, as tshark's -d: 'udp.port==8472,vxlan' (or geneve); repeatable",
};

/** The decoder settings of the -d values given (none: the defaults). */
export function cliDecodeAs(values: string | string[] | undefined): DecoderOptions {
  const list = values === undefined ? [] : Array.isArray(values) ? values : [values];
  const udpPorts: Array<[number, UdpTunnel]> = [];
  for (const v of list) {
    const m = /^\s*udp\.port\s*==\s*(\d+)(?:\s*([-:])\s*(\d+))?\s*,\s*([a-z]+)\s*$/i.exec(v);
    if (!m) {
      const hint = /^\s*tcp\.port/i.test(v) ? ' (FTP is found on any TCP port without it)' : '';
      throw new CliError(`--decode-as wants udp.port==PORT,vxlan or udp.port==PORT,geneve, got '${v}'${hint}`);
    }
    const tunnel = m[4]!.toLowerCase();
    if (!(tunnel in UDP_TUNNELS)) throw new CliError(`--decode-as: ftpdiag decodes vxlan and geneve on a UDP port, not '${m[4]}'`);
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : m[2] === '-' ? Number(m[3]) : first + Number(m[3]) - 1;
    if (first < 1 || last > 65535 || last < first) throw new CliError(`--decode-as: '${v}' names no port between 1 and 65535`);
    if (last - first + 1 > MAX_PORTS) throw new CliError(`--decode-as: '${v}' names ${last - first + 1} ports, at most ${MAX_PORTS}`);
    for (let p = first; p <= last; p++) udpPorts.push([p, tunnel as UdpTunnel]);
  }
  return udpPorts.length ? { udpPorts } : {};
}
