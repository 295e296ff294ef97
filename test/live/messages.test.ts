// The parts of live capture that need no capture rights: reading the tools' stderr, classifying
// their failures into actionable messages, tcpdump -D, link-type names, backend choice.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chooseBackend, LiveError, listInterfaces, openLive, parseTcpdumpD } from '../../src/capture/live/index.ts';
import { linkTypeFromCapName, linkTypeFromPcapName } from '../../src/capture/live/link-type-names.ts';
import { toolArgs } from '../../src/capture/live/subprocess-backend.ts';
import { classifyToolFailure, ToolStderr } from '../../src/capture/live/tool-stderr.ts';

function stderr(tool: 'tcpdump' | 'dumpcap', text: string): ToolStderr {
  const e = new ToolStderr(tool);
  // in two pieces, split inside a line, as a pipe may deliver it
  const cut = Math.floor(text.length / 2);
  e.push(text.slice(0, cut));
  e.push(text.slice(cut));
  e.end();
  return e;
}

const exit1 = { code: 1, signal: null };

describe('live capture: tool stderr', () => {
  it('reads the start line, link type and exit statistics', () => {
    const e = stderr(
      'tcpdump',
      'tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n12 packets captured\n24 packets received by filter\n3 packets dropped by kernel\n',
    );
    expect(e.started).to.equal(true);
    expect(e.linkType).to.equal(1);
    expect(e.received).to.equal(24);
    expect(e.dropped).to.equal(3);
    expect(classifyToolFailure(e, 'lo', 'tcp', { code: 0, signal: null })).to.equal(null);
  });

  it('reads dumpcap statistics and its start line', () => {
    const e = stderr('dumpcap', "Capturing on 'Loopback: lo'\nFile: -\nPackets captured: 5\nPackets received/dropped on interface 'Loopback: lo': 5/2 (pcap:0/dumpcap:0/flushed:0/ps_ifdrop:0) (0.0%)\n");
    expect(e.started).to.equal(true);
    expect([e.received, e.dropped]).to.deep.equal([5, 2]);
  });

  it('permission: says to run as root or setcap the tool', () => {
    const e = stderr('tcpdump', "tcpdump: lo: You don't have permission to perform this capture on that device\n(socket: Operation not permitted)\n");
    const err = classifyToolFailure(e, 'lo', 'tcp', exit1) as LiveError;
    expect(err.code).to.equal('permission');
    expect(err.message).to.contain('root').and.contain('setcap cap_net_raw,cap_net_admin=eip $(which tcpdump)');
    expect(err.message).to.contain('Operation not permitted');
    expect(err.message).to.not.contain('\n');
  });

  it('unknown interface before the start, interface gone after it', () => {
    const before = stderr('tcpdump', 'tcpdump: eth9: No such device exists\n(No such device exists)\n');
    expect(classifyToolFailure(before, 'eth9', 'tcp', exit1)).to.deep.equal({ noSuchInterface: 'eth9: No such device exists (No such device exists)' });
    const gone = stderr('tcpdump', 'tcpdump: listening on v0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\ntcpdump: pcap_loop: The interface disappeared\n');
    const err = classifyToolFailure(gone, 'v0', 'tcp', exit1) as LiveError;
    expect(err.code).to.equal('interface-gone');
    expect(err.message).to.equal('interface v0 went away during the capture (pcap_loop: The interface disappeared)');
  });

  it('bad filter: a bare error before the start, with the tool words', () => {
    const e = stderr('tcpdump', 'tcpdump: syntax error in filter expression\n');
    const err = classifyToolFailure(e, 'lo', 'tcp and bogus', exit1) as LiveError;
    expect(err.code).to.equal('bad-filter');
    expect(err.message).to.equal("bad capture filter 'tcp and bogus': syntax error in filter expression");
    // the same bare error without a filter is not blamed on one
    expect((classifyToolFailure(e, 'lo', '', exit1) as LiveError).code).to.equal('capture-failed');
    // a device error is not a filter error
    const dev = stderr('tcpdump', "tcpdump: lo: That device doesn't support monitor mode\n");
    expect((classifyToolFailure(dev, 'lo', 'tcp', exit1) as LiveError).code).to.equal('capture-failed');
  });

  it("dumpcap's messages", () => {
    const filt = stderr(
      'dumpcap',
      "Capturing on 'Loopback: lo'\ndumpcap: Invalid capture filter \"bogus x\" for interface 'lo'.\n\nThat string isn't a valid capture filter (can't parse filter expression: syntax error).\nSee the User's Guide\n",
    );
    const err = classifyToolFailure(filt, 'lo', 'bogus x', exit1) as LiveError;
    expect(err.code).to.equal('bad-filter');
    expect(err.message).to.contain('syntax error');
    const perm = stderr('dumpcap', "Capturing on 'Loopback: lo'\ndumpcap: You do not have permission to capture on device \"lo\".\n(socket: Operation not permitted)\n");
    expect((classifyToolFailure(perm, 'lo', 'tcp', exit1) as LiveError).message).to.contain('$(which dumpcap)');
  });

  it('a tool killed without a word says so', () => {
    const e = stderr('tcpdump', 'tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n');
    const err = classifyToolFailure(e, 'lo', 'tcp', { code: null, signal: 'SIGKILL' }) as LiveError;
    expect(err.code).to.equal('capture-failed');
    expect(err.message).to.match(/^tcpdump was killed by SIGKILL/);
  });

  it('bounds what it keeps of a chatty stderr', () => {
    const e = new ToolStderr('tcpdump');
    e.push(`${'x'.repeat(10_000)}\n`.repeat(1000));
    expect(e.lines.length).to.equal(200);
    expect(Math.max(...e.lines.map((l) => l.length))).to.equal(500);
  });
});

describe('live capture: names and arguments', () => {
  it('parses tcpdump -D', () => {
    const d = parseTcpdumpD(
      '1.eth0 [Up, Running, Connected]\n2.any (Pseudo-device that captures on all interfaces) [Up, Running]\n3.lo [Up, Running, Loopback]\n7.nflog (Linux netfilter log (NFLOG) interface) [none]\n',
    );
    expect(d).to.deep.equal([
      { name: 'eth0', up: true, loopback: false },
      { name: 'any', description: 'Pseudo-device that captures on all interfaces', up: true, loopback: false },
      { name: 'lo', up: true, loopback: true },
      { name: 'nflog', description: 'Linux netfilter log (NFLOG) interface', up: false, loopback: false },
    ]);
  });

  it('maps link-type names to LINKTYPE numbers', () => {
    expect(['EN10MB', 'LINUX_SLL', 'LINUX_SLL2', 'RAW', 'NULL', 'bogus'].map(linkTypeFromPcapName)).to.deep.equal([1, 113, 276, 101, 0, -1]);
    expect(['ETHERNET', 'LINKTYPE_LINUX_SLL', 'RAW', 'Unknown linktype 276', 'x'].map(linkTypeFromCapName)).to.deep.equal([1, 113, 101, 276, -1]);
  });

  it('asks tcpdump for immediate, packet-buffered, nanosecond pcap on stdout', () => {
    const a = toolArgs('tcpdump', { iface: 'lo', filter: '-x odd', snaplen: 1500, bufferBytes: 64 << 20 });
    expect(a).to.deep.equal(['-i', 'lo', '--immediate-mode', '-U', '--time-stamp-precision=nano', '-B', '65536', '-w', '-', '-s', '1500', '--', '-x odd']);
    expect(toolArgs('tcpdump', { iface: 'lo', filter: '', snaplen: undefined, bufferBytes: 1 << 20 })).to.not.include('--');
    expect(toolArgs('dumpcap', { iface: 'lo', filter: 'tcp', snaplen: undefined, bufferBytes: 64 << 20 })).to.deep.equal(['-i', 'lo', '-P', '-B', '64', '-w', '-', '-f', 'tcp']);
  });

  it('lists interfaces, loopback included', async () => {
    const list = await listInterfaces();
    const lo = list.find((i) => i.loopback);
    expect(lo, JSON.stringify(list)).to.not.equal(undefined);
    expect(lo!.addresses.some((a) => a === '127.0.0.1' || a === '::1')).to.equal(true);
    expect(new Set(list.map((i) => i.name)).size).to.equal(list.length);
  });
});

describe('live capture: choosing a backend', () => {
  let empty: string;
  before(() => (empty = fs.mkdtempSync(path.join(os.tmpdir(), 'ftpdiag-notools-'))));
  after(() => fs.rmSync(empty, { recursive: true, force: true }));

  it('tcpdump missing: says how to install it', async () => {
    const err = await chooseBackend('tcpdump', { toolDirs: [empty] }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(LiveError);
    expect((err as LiveError).code).to.equal('tool-missing');
    expect((err as LiveError).message).to.contain('install tcpdump (apt-get install tcpdump)');
    const viaOpen = await openLive({ iface: 'lo', backend: 'tcpdump', toolDirs: [empty], onFrame: () => {} }).catch((e: unknown) => e);
    expect((viaOpen as LiveError).code).to.equal('tool-missing');
  });

  it('auto prefers tcpdump, and falls back to dumpcap, then cap', async () => {
    expect((await chooseBackend('auto')).name).to.equal('tcpdump');
    if (fs.existsSync('/usr/bin/dumpcap')) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftpdiag-dumpcap-'));
      try {
        fs.symlinkSync('/usr/bin/dumpcap', path.join(dir, 'dumpcap'));
        expect((await chooseBackend('auto', { toolDirs: [dir] })).name).to.equal('dumpcap');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    const last = await chooseBackend('auto', { toolDirs: [empty] }).then(
      (b) => b.name,
      (e: LiveError) => e.code,
    );
    // cap when its native part loads here, otherwise the install-tcpdump error
    expect(last).to.be.oneOf(['cap', 'tool-missing']);
  });

  it('rejects bad options before starting anything', async () => {
    for (const o of [{ iface: '' }, { iface: 'lo', snaplen: 0 }, { iface: 'lo', snaplen: 1e6 }]) {
      const err = await openLive({ ...o, onFrame: () => {} }).catch((e: unknown) => e);
      expect((err as LiveError).code, JSON.stringify(o)).to.equal('bad-option');
    }
  });
});
