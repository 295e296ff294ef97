// Crafted FTP sessions inside each encapsulation, and nested ones, written to one capture and
// decoded by tshark and by ftpdiag: per frame the inner 4-tuple and TCP flags agree, per frame
// the FTP commands and reply codes agree, and tshark names the same encapsulations. Skipped
// (saying why) without tshark.

import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinkType, type Frame } from '../../src/capture/frame.ts';
import { framesToPcap } from '../../src/capture/pcap-writer.ts';
import { readCapture } from '../../src/capture/read.ts';
import { encapsulateFrames, tunnel, type FrameWrapper } from '../../src/craft/encapsulation.ts';
import { TraceBuilder, type CraftedFrame } from '../../src/craft/trace-builder.ts';
import { PacketDecoder, type DecoderOptions } from '../../src/decode/decoder.ts';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { analyzeFile } from '../../src/pipeline/analyze.ts';
import { cli } from '../support/cli.ts';

const hasTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;

interface Variant {
  name: string;
  wrap: () => FrameWrapper; //  a fresh wrapper per variant (they count ids and sequences)
  tshark: string[]; //          protocols tshark must name in every frame of it (frame.protocols)
  v6?: boolean;
  inner?: { clientMac: string; serverMac: string }; // inner MACs (pseudowires)
}

// Ethernet pseudowires: tshark's default guess asks its OUI database whether the first bytes
// look like MAC addresses, and a control word with zero flags reads as Xerox's OUI 00:00:00, so
// it is told what labels 300 and 301 carry, as an operator would be (-d mpls.label==N,…).
const VARIANTS: Variant[] = [
  { name: 'VXLAN', wrap: () => tunnel.vxlan({ vni: 4242 }), tshark: ['udp', 'vxlan', 'eth'] },
  { name: 'VXLAN on 8472 (-d udp.port==8472,vxlan)', wrap: () => tunnel.vxlan({ port: 8472 }), tshark: ['vxlan'] },
  { name: 'VXLAN over IPv6, IPv6 inside', wrap: () => tunnel.vxlan({ outer: { src: '2001:db8:ff::1', dst: '2001:db8:ff::2' } }), tshark: ['vxlan'], v6: true },
  { name: 'GENEVE with options, Ethernet', wrap: () => tunnel.geneve({ options: Buffer.from('0103010100000007', 'hex') }), tshark: ['geneve', 'eth'] },
  { name: 'GENEVE carrying IP', wrap: () => tunnel.geneve({ payload: 'ip' }), tshark: ['geneve'] },
  { name: 'GRE bridging Ethernet, checksum + key + sequence', wrap: () => tunnel.gre({ payload: 'ethernet', key: 7, sequence: true, checksum: true }), tshark: ['gre', 'eth'] },
  { name: 'GRE carrying IP', wrap: () => tunnel.gre({ payload: 'ip', key: 1 }), tshark: ['gre'] },
  { name: 'ERSPAN type I', wrap: () => tunnel.erspan({ type: 1 }), tshark: ['gre', 'erspan'] },
  { name: 'ERSPAN type II', wrap: () => tunnel.erspan({ type: 2, session: 100 }), tshark: ['erspan'] },
  { name: 'ERSPAN type III with platform subheader', wrap: () => tunnel.erspan({ type: 3, session: 101, platform: Buffer.from('0c000001000000aa', 'hex') }), tshark: ['erspan'] },
  { name: 'MPLS, IPv4', wrap: () => tunnel.mpls({ labels: [1000, 1001], payload: 'ip' }), tshark: ['mpls', 'ip'] },
  { name: 'MPLS, IPv6', wrap: () => tunnel.mpls({ labels: [1002], payload: 'ip' }), tshark: ['mpls', 'ipv6'], v6: true },
  { name: 'MPLS pseudowire with control word', wrap: () => tunnel.mpls({ labels: [16, 300], payload: 'ethernet', controlWord: true }), tshark: ['mpls', 'eth'] },
  { name: 'MPLS pseudowire without control word', wrap: () => tunnel.mpls({ labels: [301], payload: 'ethernet' }), tshark: ['mpls', 'eth'], inner: { clientMac: '00:1b:21:0a:0b:0c', serverMac: '00:50:56:01:02:03' } },
  { name: 'PPPoE on Ethernet', wrap: () => tunnel.pppoe({ sessionId: 0x42 }), tshark: ['pppoes', 'ppp'] },
  { name: 'PPPoE behind 802.1ad + 802.1Q', wrap: () => tunnel.pppoe({ ethernet: { vlan: [300, 20] } }), tshark: ['ieee8021ad', 'vlan', 'pppoes'] },
  { name: 'PPP in enhanced GRE (PPTP)', wrap: () => tunnel.pptp(), tshark: ['gre', 'ppp'] },
  { name: 'IP in IP', wrap: () => tunnel.ipInIp(), tshark: ['ip'] },
  {
    name: 'nested: ERSPAN III → VXLAN → MPLS pseudowire (CW) → PPPoE',
    wrap: () => {
      const [pppoe, pw, vx, er] = [tunnel.pppoe(), tunnel.mpls({ labels: [300], payload: 'ethernet', controlWord: true }), tunnel.vxlan(), tunnel.erspan({ type: 3 })];
      return (f) => er(vx(pw(pppoe(f))));
    },
    tshark: ['erspan', 'vxlan', 'mpls', 'pppoes'],
  },
  {
    name: 'nested: GENEVE(IP) → GRE → IP in IP',
    wrap: () => {
      const [ipip, gre, gen] = [tunnel.ipInIp(), tunnel.gre({ payload: 'ethernet' }), tunnel.geneve({ payload: 'ip' })];
      return (f) => gen(gre(ipip(f)));
    },
    tshark: ['geneve', 'gre'],
  },
];

const DECODE_AS = ['udp.port==8472,vxlan'];
const OPTIONS: DecoderOptions = { udpPorts: [[8472, 'vxlan']] };
const TSHARK_DECODE_AS = ['-d', 'udp.port==8472,vxlan', '-d', 'mpls.label==300,pwethcw', '-d', 'mpls.label==301,pwethnocw'];

/** One FTP session (login, a passive RETR with its data connection, QUIT) on `t`. */
function ftpSession(t: TraceBuilder, n: number, v6: boolean, macs?: Variant['inner']): void {
  const [c, s] = v6 ? ['2001:db8::1', '2001:db8::2'] : ['192.0.2.1', '192.0.2.2'];
  const ep = (a: string, p: number) => (v6 ? `[${a}]:${p}` : `${a}:${p}`);
  const mac = macs ? { clientMac: macs.clientMac, serverMac: macs.serverMac } : {};
  const ctl = t.tcp({ client: ep(c, 40000 + n), server: ep(s, 21), ...mac });
  ctl.handshake();
  ctl.server('PA', '220 FTP ready\r\n');
  ctl.client('PA', 'USER anonymous\r\n');
  ctl.server('PA', '331 Please specify the password.\r\n');
  ctl.client('PA', 'PASS guest@\r\n');
  ctl.server('PA', '230 Login successful.\r\n');
  const dataPort = 50000 + n;
  if (v6) {
    ctl.client('PA', 'EPSV\r\n');
    ctl.server('PA', `229 Entering Extended Passive Mode (|||${dataPort}|)\r\n`);
  } else {
    ctl.client('PA', 'PASV\r\n');
    ctl.server('PA', `227 Entering Passive Mode (192,0,2,2,${dataPort >> 8},${dataPort & 0xff}).\r\n`);
  }
  const data = t.tcp({ client: ep(c, 45000 + n), server: ep(s, dataPort), ...mac });
  data.handshake();
  ctl.client('PA', 'RETR report.bin\r\n');
  ctl.server('PA', '150 Opening BINARY mode data connection for report.bin (3000 bytes).\r\n');
  data.stream('server', 3000);
  data.server('FA');
  data.client('FA');
  data.server('A');
  ctl.server('PA', '226 Transfer complete.\r\n');
  ctl.client('PA', 'QUIT\r\n');
  ctl.server('PA', '221 Goodbye.\r\n');
  ctl.close();
}

interface Row {
  frame: number;
  tuple: string; // "src sport dst dport flags"
  ftp: string[]; // "REQ VERB arg" / "RSP code"
  erspanTimestamp: string; // ERSPAN type III timestamp, '' when none
}

(hasTshark ? describe : describe.skip)(`decode/encapsulations agree with tshark${hasTshark ? '' : ' (skipped: tshark is not installed; apt-get install tshark)'}`, function () {
  this.timeout(60_000);
  let dir = '';
  let file = '';
  const ranges: Array<{ v: Variant; from: number; to: number }> = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ftpdiag-i31-'));
    file = join(dir, 'tunnels.pcap');
    const all: CraftedFrame[] = [];
    VARIANTS.forEach((v, i) => {
      const t = new TraceBuilder({ start: 1_700_000_000 + i * 10 });
      ftpSession(t, i, v.v6 === true, v.inner);
      const frames = encapsulateFrames(t.frames(), v.wrap());
      ranges.push({ v, from: all.length + 1, to: all.length + frames.length });
      all.push(...frames);
    });
    writeFileSync(file, framesToPcap(all, { linkType: LinkType.ETHERNET }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  let tsharkView: { rows: Row[]; protocols: string[] } | null = null;
  function tsharkRows(): { rows: Row[]; protocols: string[] } {
    if (tsharkView) return tsharkView;
    const fields = ['frame.number', 'frame.protocols', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'ftp.request.command', 'ftp.request.arg', 'ftp.response.code', 'erspan.timestamp'];
    const out = execFileSync('tshark', ['-r', file, ...TSHARK_DECODE_AS, '-o', 'tcp.relative_sequence_numbers:FALSE', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|', ...fields.flatMap((f) => ['-e', f])], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    });
    const rows: Row[] = [];
    const protocols: string[] = [];
    for (const line of out.trimEnd().split('\n')) {
      const [n, protos, ip4s, ip4d, ip6s, ip6d, sport, dport, flags, cmd, arg, code, ts] = line.split('\t');
      const last = (v: string | undefined) => (v ?? '').split('|').filter((x) => x !== '').pop() ?? '';
      // the innermost IP header is the last one tshark lists, of either version
      const inner6 = protos!.lastIndexOf(':ipv6') > protos!.lastIndexOf(':ip:');
      const src = inner6 ? last(ip6s) : last(ip4s);
      const dst = inner6 ? last(ip6d) : last(ip4d);
      const ftp: string[] = [];
      const cmds = (cmd ?? '').split('|').filter((x) => x !== '');
      const args = (arg ?? '').split('|');
      cmds.forEach((c, i) => ftp.push(`REQ ${c.toUpperCase()}${args[i] ? ' ' + args[i] : ''}`));
      for (const c of (code ?? '').split('|').filter((x) => x !== '')) ftp.push(`RSP ${c}`);
      rows.push({ frame: Number(n), tuple: `${src} ${sport} ${dst} ${dport} ${Number(flags)}`, ftp, erspanTimestamp: ts ?? '' });
      protocols.push(protos!);
    }
    tsharkView = { rows, protocols };
    return tsharkView;
  }

  async function ourRows(): Promise<Row[]> {
    const d = new PacketDecoder(OPTIONS);
    const rows: Row[] = [];
    await readCapture(file, (f: Frame) => {
      const out = d.decode(f);
      const p = d.packet;
      rows.push({ frame: f.number, tuple: out === 'tcp' ? `${p.srcAddr()} ${p.srcPort} ${p.dstAddr()} ${p.dstPort} ${p.flags}` : out, ftp: [], erspanTimestamp: p.erspanTimestamp < 0 ? '' : String(p.erspanTimestamp) });
    });
    const { result, error } = await analyzeFile(file, { rules: loadRules(), decode: OPTIONS });
    expect(error).to.equal(null);
    for (const s of result.sessions) {
      for (const c of s.commands) rows[c.frame - 1]!.ftp.push(`REQ ${c.verb}${c.arg ? ' ' + c.arg : ''}`);
      const replies = [...(s.greeting ? [s.greeting] : []), ...s.commands.flatMap((c) => [...c.preliminary, ...(c.reply ? [c.reply] : [])])];
      for (const r of replies) rows[r.frame - 1]!.ftp.push(`RSP ${r.code}`);
    }
    // and the report's header counts every frame of every variant under its encapsulations
    expect(result.capture.decode.tcp).to.equal(rows.length);
    return rows;
  }

  it('every frame: the same inner 4-tuple and TCP flags; the same FTP commands and replies', async () => {
    const theirs = tsharkRows().rows;
    const ours = await ourRows();
    expect(ours.length).to.equal(theirs.length);
    for (const { v, from, to } of ranges) {
      const a = ours.slice(from - 1, to);
      const b = theirs.slice(from - 1, to);
      expect(a.map((r) => r.tuple), v.name).to.deep.equal(b.map((r) => r.tuple));
      expect(a.map((r) => r.ftp.sort().join('; ')), `${v.name}: FTP lines`).to.deep.equal(b.map((r) => r.ftp.sort().join('; ')));
      expect(a.map((r) => r.erspanTimestamp), `${v.name}: ERSPAN type III timestamps`).to.deep.equal(b.map((r) => r.erspanTimestamp));
      // not vacuous: the session's five commands and seven replies are there
      expect(a.flatMap((r) => r.ftp)).to.have.length(12);
    }
  });

  it('tshark names the same encapsulations in every frame of each variant', () => {
    const { protocols } = tsharkRows();
    for (const { v, from, to } of ranges) {
      for (let n = from; n <= to; n++) {
        const layers = protocols[n - 1]!.split(':');
        for (const want of v.tshark) expect(layers, `${v.name}, frame ${n}: ${protocols[n - 1]}`).to.include(want);
        expect(layers, `${v.name}, frame ${n}`).to.include('tcp');
      }
    }
  });

  it('the CLI takes tshark’s -d syntax for the VXLAN port and its report header names the encapsulations', async () => {
    const { code, out } = await cli(['analyze', '--json', ...DECODE_AS.flatMap((d) => ['-d', d]), file]);
    expect(code).to.equal(0);
    const doc = JSON.parse(out) as { capture: { decode: { encapsulations: Array<{ id: string; frames: number }> } } };
    const counts = Object.fromEntries(doc.capture.decode.encapsulations.map((e) => [e.id, e.frames]));
    const perVariant = ranges[0]!.to - ranges[0]!.from + 1;
    // three plain VXLAN variants plus the nested one
    expect(counts['vxlan']).to.equal(4 * perVariant);
    expect(Object.keys(counts).sort()).to.deep.equal(['erspan-i', 'erspan-ii', 'erspan-iii', 'geneve', 'gre', 'ip-in-ip', 'mpls', 'ppp', 'pppoe', 'pw-ethernet', 'pw-ethernet-cw', 'vxlan']);
  });
});
