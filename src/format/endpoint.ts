// Addresses with ports as tcpdump and Wireshark write them: an IPv6 address in brackets.

/** 192.0.2.1:21, [2001:db8::1]:21 */
export function endpointText(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** A connection's two ends, client first: '192.0.2.1:40000 → 192.0.2.2:21'. */
export function connectionEnds(c: { client: { addr: string; port: number }; server: { addr: string; port: number } }): string {
  return `${endpointText(c.client.addr, c.client.port)} → ${endpointText(c.server.addr, c.server.port)}`;
}
