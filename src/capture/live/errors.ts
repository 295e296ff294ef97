// Live capture errors: one line each, saying what went wrong and what the user can do about it.
// The CLI prints `message` as is and exits non-zero; `detail` keeps the capture tool's own words.

export const LiveErrorCode = {
  PERMISSION: 'permission', //                 not root and no CAP_NET_RAW
  NO_SUCH_INTERFACE: 'no-such-interface', //   -i names no interface
  TOOL_MISSING: 'tool-missing', //             neither tcpdump nor dumpcap (nor cap) available
  BACKEND_UNAVAILABLE: 'backend-unavailable', // --backend cap asked for, cap not loadable
  BAD_FILTER: 'bad-filter', //                 the BPF expression does not compile
  INTERFACE_GONE: 'interface-gone', //         the interface disappeared during the capture
  CAPTURE_FAILED: 'capture-failed', //         anything else the capture tool or library reported
  WRITE_FAILED: 'write-failed', //             the -w file could not be created or written
  SINK_FAILED: 'sink-failed', //               the frame consumer (onFrame) threw
  BAD_OPTION: 'bad-option', //                 an option value makes no sense (snaplen 0...)
} as const;

export type LiveErrorCode = (typeof LiveErrorCode)[keyof typeof LiveErrorCode];

export class LiveError extends Error {
  constructor(
    readonly code: LiveErrorCode,
    message: string,
    /** The capture tool's or library's own message, when there is one (already in `message`). */
    readonly detail: string | null = null,
  ) {
    super(message);
    this.name = 'LiveError';
  }
}

/** How to get capture rights without running everything as root. The capability goes on the
 *  capture tool, never on node: a capable node would hand raw sockets to every script it runs. */
export function permissionHint(tool: string): string {
  return `run as root (sudo), or let ${tool} capture as your user: sudo setcap cap_net_raw,cap_net_admin=eip $(which ${tool})`;
}

export function permissionError(iface: string, tool: string, detail: string | null): LiveError {
  const why = detail ? ` (${detail})` : '';
  return new LiveError(LiveErrorCode.PERMISSION, `no permission to capture on ${iface}${why}: ${permissionHint(tool)}`, detail);
}

/** `names`: the interfaces that do exist (empty when they could not be listed). */
export function noSuchInterfaceError(iface: string, names: string[], detail: string | null): LiveError {
  const list = names.length > 0 ? `; interfaces: ${names.join(', ')}` : '';
  return new LiveError(
    LiveErrorCode.NO_SUCH_INTERFACE,
    `no interface named '${iface}'${list} (ftpdiag interfaces lists them)`,
    detail,
  );
}

export function badFilterError(filter: string, detail: string): LiveError {
  return new LiveError(LiveErrorCode.BAD_FILTER, `bad capture filter '${filter}': ${detail}`, detail);
}

export function interfaceGoneError(iface: string, detail: string | null): LiveError {
  const why = detail ? ` (${detail})` : '';
  return new LiveError(LiveErrorCode.INTERFACE_GONE, `interface ${iface} went away during the capture${why}`, detail);
}

export function toolMissingError(): LiveError {
  return new LiveError(
    LiveErrorCode.TOOL_MISSING,
    'no capture tool found: install tcpdump (apt-get install tcpdump), or dumpcap (apt-get install wireshark-common)',
  );
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
