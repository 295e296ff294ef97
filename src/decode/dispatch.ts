// The one place that says which decoder handles which link type and which EtherType.
// Adding a link type = one decoder file + one row here.

import { LinkType } from '../capture/frame.ts';
import type { LinkDecoder, NetworkDecoder } from './layers.ts';
import { decodeEthernet } from './ethernet.ts';
import { decodeIpv4 } from './ipv4.ts';
import { decodeIpv6 } from './ipv6.ts';
import { decodeLinuxSll } from './linux-sll.ts';
import { decodeLinuxSll2 } from './linux-sll2.ts';
import { decodeLoop, decodeNull } from './null-loop.ts';
import { EtherType } from './protocol-numbers.ts';
import { decodeIpv4Link, decodeIpv6Link, decodeRawIp } from './raw-ip.ts';

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

/** EtherType → network decoder (link decoders without EtherTypes map to these too). */
export const networkDecoders: ReadonlyMap<number, NetworkDecoder> = new Map<number, NetworkDecoder>([
  [EtherType.IPV4, decodeIpv4],
  [EtherType.IPV6, decodeIpv6],
]);
