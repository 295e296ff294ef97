// What tcpdump and dumpcap say on standard error, read line by line: when the capture became
// active, which link type it has, the exit statistics, and why it failed.
import { LiveError, LiveErrorCode, badFilterError, interfaceGoneError, permissionError } from './errors.ts';
import { linkTypeFromPcapName } from './link-type-names.ts';
import type { ToolName } from './tool-path.ts';

/** Lines kept from a tool's stderr (and characters per line): a chatty tool cannot grow memory. */
const MAX_LINES = 200;
const MAX_LINE_CHARS = 500;

/** Collects stderr as lines (a line may arrive in pieces) and recognises the ones that matter. */
export class ToolStderr {
  readonly lines: string[] = [];
  started = false; //             the capture is active (tcpdump "listening on", dumpcap "File:")
  linkType = -1; //               LINKTYPE_* from tcpdump's "link-type NAME", -1 until known
  received: number | null = null; // packets "received by filter" (tcpdump) / on interface (dumpcap)
  dropped: number | null = null; //  packets "dropped by kernel" (+ "by interface")
  private partial = '';

  constructor(readonly tool: ToolName) {}

  push(chunk: string): void {
    const text = this.partial + chunk;
    const parts = text.split('\n');
    this.partial = parts.pop()!.slice(0, MAX_LINE_CHARS);
    for (const p of parts) this.line(p.replace(/\r$/, '').slice(0, MAX_LINE_CHARS));
  }

  end(): void {
    if (this.partial !== '') this.line(this.partial);
    this.partial = '';
  }

  // Sample lines:
  //   tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes
  //   12 packets received by filter
  //   0 packets dropped by kernel
  //   File: -                                   (dumpcap: the output is open, capture active)
  //   Packets received/dropped on interface 'Loopback: lo': 12/0 (pcap:0/dumpcap:0/flushed:0/ps_ifdrop:0) (0.0%)
  private line(l: string): void {
    if (this.lines.length < MAX_LINES) this.lines.push(l);
    let m: RegExpExecArray | null;
    if ((m = /^tcpdump: listening on .*, link-type (\S+)/.exec(l))) {
      this.started = true;
      this.linkType = linkTypeFromPcapName(m[1]!);
    } else if (this.tool === 'dumpcap' && /^File: /.test(l)) {
      this.started = true;
    } else if ((m = /^(\d+) packets? received by filter/.exec(l))) {
      this.received = Number(m[1]);
    } else if ((m = /^(\d+) packets? dropped by (kernel|interface)/.exec(l))) {
      this.dropped = (this.dropped ?? 0) + Number(m[1]);
    } else if ((m = /^Packets received\/dropped on interface .*: (\d+)\/(\d+)/.exec(l))) {
      this.received = Number(m[1]);
      this.dropped = Number(m[2]);
    }
  }

  /** Tool warnings worth passing on ("tcpdump: WARNING: any: That device doesn't support
   *  promiscuous mode"), without the tool prefix. */
  warnings(): string[] {
    const out: string[] = [];
    for (const l of this.lines) {
      const m = /^(?:tcpdump|dumpcap): WARNING: (.*)$/.exec(l);
      if (m) out.push(m[1]!);
    }
    return out;
  }

  /** The tool's error, one line: its first error line without the "tcpdump: " prefix, plus the
   *  parenthesised reason libpcap prints below it.
   *    tcpdump: lo: You don't have permission to perform this capture on that device
   *    (socket: Operation not permitted)
   *  dumpcap adds advice paragraphs after a blank line; only its first sentence after the
   *  message is kept. */
  errorText(): string | null {
    const prefix = `${this.tool}: `;
    for (let i = 0; i < this.lines.length; i++) {
      const l = this.lines[i]!;
      if (!l.startsWith(prefix) || l.startsWith(`${prefix}listening on`) || l.startsWith(`${prefix}WARNING:`)) continue;
      let text = l.slice(prefix.length);
      let j = i + 1;
      while (j < this.lines.length && this.lines[j]!.trim() === '') j++;
      const next = this.lines[j]?.trim() ?? '';
      if (/^\(.*\)$/.test(next) || (this.tool === 'dumpcap' && /filter/.test(text) && next !== '')) text += ` ${next}`;
      return text;
    }
    return null;
  }
}

/** Heading: tool failure classification.
 *  Definition: the error category is read off the tool's message. libpcap's wording is stable
 *  across versions: "permission"/"Operation not permitted" for EPERM, "No such device" for an
 *  unknown interface, "The interface disappeared" (ENODEV on the ring) / "went down" at run time.
 *  tcpdump prefixes device errors with the interface name ("tcpdump: eth9: No such device
 *  exists") but prints filter compile errors bare ("tcpdump: syntax error in filter
 *  expression"), so a bare error before the capture started, with a filter given, is the filter's.
 *  Returns null for a clean end (exit 0, no error line). `noSuchInterface` builds that error
 *  (it needs the interface list, which the caller fetches). */
export function classifyToolFailure(
  err: ToolStderr,
  iface: string,
  filter: string,
  exit: { code: number | null; signal: string | null },
): LiveError | { noSuchInterface: string } | null {
  const tool = err.tool;
  const text = err.errorText();
  if (text === null) {
    if (exit.code === 0) return null;
    const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const last = err.lines.filter((l) => l.trim() !== '').at(-1);
    return new LiveError(LiveErrorCode.CAPTURE_FAILED, `${tool} ${how}${last ? ` (${last})` : ''}`, last ?? null);
  }
  if (/permission|Operation not permitted|Permission denied/i.test(text)) return permissionError(iface, tool, text);
  if (/interface disappeared|went down|Network is down/i.test(text)) return interfaceGoneError(iface, text);
  if (/No such device|no device named|doesn't exist/i.test(text)) {
    return err.started ? interfaceGoneError(iface, text) : { noSuchInterface: text };
  }
  if (!err.started && filter !== '') {
    const deviceError = text.startsWith(`${iface}: `);
    if (tool === 'dumpcap' ? /capture filter/i.test(text) : !deviceError) return badFilterError(filter, text);
  }
  return new LiveError(LiveErrorCode.CAPTURE_FAILED, `${tool}: ${text}`, text);
}
