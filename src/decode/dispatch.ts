// The one place that says which decoder handles which link type, EtherType, IP protocol, UDP
// port, GRE/GENEVE protocol type and PPP protocol. Adding a protocol = one decoder file + one row
// here. The tables are built once per PacketDecoder (the UDP ports a user names are part of them).

import { LinkType } from '../capture/frame.ts';
import type { DispatchTables, LinkDecoder, PayloadDecoder } from './layers.ts';
import { decodeEthernet, decodeEthernetPayload } from './ethernet.ts';
import { decodeErspan } from './erspan.ts';
import { decodeGeneve } from './geneve.ts';
import { decodeGre } from './gre.ts';
import { decodeIpv4InIp, decodeIpv6InIp } from './ip-in-ip.ts';
import { decodeIpv4 } from './ipv4.ts';
import { decodeIpv6 } from './ipv6.ts';
import { decodeLinuxSll } from './linux-sll.ts';
import { decodeLinuxSll2 } from './linux-sll2.ts';
import { decodeMpls } from './mpls.ts';
import { decodeLoop, decodeNull } from './null-loop.ts';
import { decodePpp, decodePppoeSession } from './ppp.ts';
import { EtherType, IpProtocol, PppProtocol, UdpPort } from './protocol-numbers.ts';
import { decodeIpv4Link, decodeIpv6Link, decodeRawIp } from './raw-ip.ts';
import { decodeUdp } from './udp.ts';
import { decodeVxlan } from './vxlan.ts';

/** LINKTYPE_* number → link decoder. */
export const linkDecoders: ReadonlyMap<number, LinkDecoder> = new Map<number, LinkDecoder>([
  [LinkType.NULL, decodeNull],
  [LinkType.ETHERNET, decodeEthernet],
  [LinkType.RAW, decodeRawIp],
  [LinkType.LOOP, decodeLoop],
  [LinkType.LINUX_SLL, decodeLinuxSll],
  [LinkType.IPV4, decodeIpv4Link],
  [LinkType.IPV6, decodeIpv6Link],
  [LinkType.LINUX_SLL2, decodeLinuxSll2],
]);

/** The UDP tunnels a user can name a port for (tshark's `-d udp.port==N,vxlan`). */
export const UDP_TUNNELS = { vxlan: decodeVxlan, geneve: decodeGeneve } as const;
export type UdpTunnel = keyof typeof UDP_TUNNELS;

export interface DispatchOptions {
  /** More UDP ports and the tunnel each carries, on top of VXLAN 4789 and GENEVE 6081 (a port
   *  named here replaces its default). */
  udpPorts?: ReadonlyArray<readonly [number, UdpTunnel]>;
}

/** The tables a PacketDecoder dispatches through. */
export function dispatchTables(opts: DispatchOptions = {}): DispatchTables {
  const etherTypes = new Map<number, PayloadDecoder>([
    [EtherType.IPV4, decodeIpv4],
    [EtherType.IPV6, decodeIpv6],
    [EtherType.MPLS, decodeMpls],
    [EtherType.MPLS_MULTICAST, decodeMpls],
    [EtherType.PPPOE_SESSION, decodePppoeSession],
  ]);
  const udpPorts = new Map<number, PayloadDecoder>([
    [UdpPort.VXLAN, decodeVxlan],
    [UdpPort.GENEVE, decodeGeneve],
  ]);
  for (const [port, tunnel] of opts.udpPorts ?? []) udpPorts.set(port, UDP_TUNNELS[tunnel]);
  const udpTunnelPort = new Uint8Array(65536);
  for (const port of udpPorts.keys()) udpTunnelPort[port] = 1;
  return {
    etherTypes,
    greProtocols: new Map<number, PayloadDecoder>([
      ...etherTypes,
      [EtherType.TEB, decodeEthernetPayload],
      [EtherType.ERSPAN_I_II, decodeErspan],
      [EtherType.ERSPAN_III, decodeErspan],
      [EtherType.PPP, decodePpp],
    ]),
    geneveProtocols: new Map<number, PayloadDecoder>([...etherTypes, [EtherType.TEB, decodeEthernetPayload]]),
    ipProtocols: new Map<number, PayloadDecoder>([
      [IpProtocol.UDP, decodeUdp],
      [IpProtocol.GRE, decodeGre],
      [IpProtocol.IPV4, decodeIpv4InIp],
      [IpProtocol.IPV6, decodeIpv6InIp],
      [IpProtocol.MPLS_IN_IP, decodeMpls],
    ]),
    udpPorts,
    udpTunnelPort,
    pppProtocols: new Map<number, PayloadDecoder>([
      [PppProtocol.IPV4, decodeIpv4],
      [PppProtocol.IPV6, decodeIpv6],
      [PppProtocol.MPLS, decodeMpls],
      [PppProtocol.MPLS_MULTICAST, decodeMpls],
    ]),
  };
}
