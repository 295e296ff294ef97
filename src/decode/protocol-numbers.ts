// Assigned numbers the decoders dispatch on (and the craft encoders write). Kept apart from the
// decoders so an encoder can share them without pulling decoding code in.

/** IEEE 802 EtherType values (https://www.iana.org/assignments/ieee-802-numbers). */
export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100, //      802.1Q customer tag
  IPV6: 0x86dd,
  QINQ: 0x88a8, //      802.1ad service tag (outer tag of QinQ)
  QINQ_OLD: 0x9100, //  pre-standard QinQ outer tag still used by some switches
  LLDP: 0x88cc,
  MPLS: 0x8847, //           MPLS unicast (RFC 3032)
  MPLS_MULTICAST: 0x8848,
  PPPOE_DISCOVERY: 0x8863, // PPPoE discovery stage (RFC 2516): no IP inside
  PPPOE_SESSION: 0x8864, //   PPPoE session stage: PPP inside
  // protocol types seen only inside GRE and GENEVE (same numbering space)
  TEB: 0x6558, //            Transparent Ethernet Bridging: an Ethernet frame follows
  ERSPAN_I_II: 0x88be, //    ERSPAN type I (in a GRE header without flags) or type II
  ERSPAN_III: 0x22eb,
  PPP: 0x880b, //            PPP in enhanced GRE (PPTP, RFC 2637)
} as const;

/** IP protocol / IPv6 next-header numbers (https://www.iana.org/assignments/protocol-numbers). */
export const IpProtocol = {
  HOP_BY_HOP: 0, //     IPv6 hop-by-hop options
  ICMP: 1,
  IPV4: 4, //           IPv4 in IP (RFC 2003)
  TCP: 6,
  UDP: 17,
  IPV6: 41, //          IPv6 in IP (RFC 2473, 6in4)
  ROUTING: 43, //       IPv6 routing header
  FRAGMENT: 44, //      IPv6 fragment header
  GRE: 47, //           RFC 2784
  ESP: 50,
  AH: 51, //            IP authentication header (RFC 4302)
  ICMPV6: 58,
  NO_NEXT_HEADER: 59,
  DEST_OPTIONS: 60, //  IPv6 destination options
  MPLS_IN_IP: 137, //   RFC 4023
} as const;

/** UDP ports of tunnels decoded by default (https://www.iana.org/assignments/service-names-port-numbers). */
export const UdpPort = {
  VXLAN: 4789, //  RFC 7348 (Linux's own default is 8472: name it with --decode-as)
  GENEVE: 6081, // RFC 8926
} as const;

/** PPP protocol field values (RFC 1661 §2, https://www.iana.org/assignments/ppp-numbers). */
export const PppProtocol = {
  IPV4: 0x0021,
  IPV6: 0x0057,
  MPLS: 0x0281,
  MPLS_MULTICAST: 0x0283,
} as const;

/** Address-family values of the BSD loopback (DLT_NULL / DLT_LOOP) header. AF_INET6 differs by
 *  system: 24 on NetBSD/OpenBSD/BSD/OS, 28 on FreeBSD/DragonFly, 30 on macOS/Darwin
 *  (tcpdump.org linktypes: LINKTYPE_NULL). Windows captures (Npcap loopback) use 2 and 24. */
export const AddressFamily = {
  INET: 2,
  INET6_BSD: 24,
  INET6_FREEBSD: 28,
  INET6_DARWIN: 30,
} as const;

/** Linux ARPHRD_* device types found in cooked-capture headers (linux/if_arp.h). */
export const ArpHardware = {
  ETHER: 1,
  LOOPBACK: 772,
  NONE: 0xfffe,
} as const;

/** TCP option kinds (https://www.iana.org/assignments/tcp-parameters). */
export const TcpOptionKind = {
  EOL: 0,
  NOP: 1,
  MSS: 2,
  WINDOW_SCALE: 3,
  SACK_PERMITTED: 4,
  SACK: 5,
  TIMESTAMPS: 8,
} as const;
