// libpcap's data-link names (pcap_datalink_val_to_name, as tcpdump prints them in
// "listening on lo, link-type EN10MB (Ethernet)") → LINKTYPE_* numbers as written in pcap files
// (https://www.tcpdump.org/linktypes.html). DLT and LINKTYPE numbers differ for a few types
// (DLT_RAW is 12 or 14 depending on the OS, LINKTYPE_RAW is always 101): files use LINKTYPE.

const byName: Readonly<Record<string, number>> = {
  NULL: 0,
  EN10MB: 1,
  EN3MB: 2,
  AX25: 3,
  IEEE802: 6,
  ARCNET: 7,
  SLIP: 8,
  PPP: 9,
  FDDI: 10,
  PPP_SERIAL: 50,
  PPP_ETHER: 51,
  ATM_RFC1483: 100,
  RAW: 101,
  C_HDLC: 104,
  IEEE802_11: 105,
  FRELAY: 107,
  LOOP: 108,
  ENC: 109,
  LINUX_SLL: 113,
  PFLOG: 117,
  PRISM_HEADER: 119,
  IEEE802_11_RADIO: 127,
  USB_LINUX: 189,
  USB_LINUX_MMAPPED: 220,
  IPNET: 226,
  IPV4: 228,
  IPV6: 229,
  DBUS: 231,
  NFLOG: 239,
  NETLINK: 253,
  BLUETOOTH_LINUX_MONITOR: 254,
  LINUX_SLL2: 276,
};

/** LINKTYPE number for a libpcap data-link name, or -1 when the name is not in the table. */
export function linkTypeFromPcapName(name: string): number {
  return byName[name.toUpperCase()] ?? -1;
}

/** The cap binding's link-type strings (binding.cc returns names for five types and
 *  "Unknown linktype N" with the DLT number for the rest). */
export function linkTypeFromCapName(name: string): number {
  switch (name) {
    case 'NULL':
      return 0;
    case 'ETHERNET':
      return 1;
    case 'RAW':
      return 101;
    case 'LINKTYPE_LINUX_SLL':
      return 113;
    case 'IEEE802_11_RADIO':
      return 127;
  }
  const m = /^Unknown linktype (\d+)$/.exec(name);
  // outside the DLT_RAW family, DLT numbers >= 104 equal their LINKTYPE numbers
  return m ? Number(m[1]) : -1;
}
