// LINKTYPE_* numbers (https://www.tcpdump.org/linktypes.html) and the names libpcap, tcpdump and
// Wireshark give them, for the link types ftpdiag decodes.

export const linkTypeName: Readonly<Record<number, string>> = {
  0: 'NULL',
  1: 'EN10MB',
  101: 'RAW',
  108: 'LOOP',
  113: 'LINUX_SLL',
  228: 'IPV4',
  229: 'IPV6',
  276: 'LINUX_SLL2',
};

/** 'EN10MB', or 'LINKTYPE_147' for one without a name here. */
export function linkTypeText(lt: number): string {
  return linkTypeName[lt] ?? `LINKTYPE_${lt}`;
}
