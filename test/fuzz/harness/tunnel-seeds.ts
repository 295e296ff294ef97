// Seeds for the encapsulation decoders (VXLAN, GENEVE, GRE, ERSPAN I-III, MPLS and its Ethernet
// pseudowires, PPPoE, PPTP, IP in IP, and nestings of them): single frames for the decoder
// target, and a short FTP session inside each for the reader/pipeline targets.
import { LinkType } from '../../../src/capture/frame.ts';
import { encapsulateFrames, geneveOption, tunnel, type FrameWrapper } from '../../../src/craft/encapsulation.ts';
import { buildFragmentedFrames, buildFrame } from '../../../src/craft/packet-builder.ts';
import { framesToPcap } from '../../../src/capture/pcap-writer.ts';
import { TraceBuilder } from '../../../src/craft/trace-builder.ts';
import { encodeVxlan } from '../../../src/craft/encapsulation.ts';

/** One wrapper per encapsulation variant (fresh: wrappers count ids and sequence numbers). */
function wrappers(): Array<[string, FrameWrapper]> {
  const nested = (...ws: FrameWrapper[]): FrameWrapper => (f) => ws.reduce((x, w) => w(x), f);
  return [
    ['vxlan', tunnel.vxlan()],
    ['vxlan-v6', tunnel.vxlan({ outer: { src: '2001:db8:ff::1', dst: '2001:db8:ff::2' } })],
    ['geneve-opts', tunnel.geneve({ options: geneveOption(0x0103, 1, Buffer.alloc(4, 7)) })],
    ['geneve-ip', tunnel.geneve({ payload: 'ip' })],
    ['gre-teb-cks', tunnel.gre({ payload: 'ethernet', key: 7, sequence: true, checksum: true })],
    ['gre-ip', tunnel.gre({ payload: 'ip' })],
    ['erspan1', tunnel.erspan({ type: 1 })],
    ['erspan2', tunnel.erspan({ type: 2, session: 9 })],
    ['erspan3-platform', tunnel.erspan({ type: 3, platform: Buffer.alloc(8, 1) })],
    ['mpls-ip', tunnel.mpls({ labels: [100, 200], payload: 'ip' })],
    ['mpls-pw-cw', tunnel.mpls({ labels: [300], payload: 'ethernet', controlWord: true })],
    ['mpls-pw', tunnel.mpls({ labels: [301], payload: 'ethernet' })],
    ['pppoe-qinq', tunnel.pppoe({ ethernet: { vlan: [100, 200] } })],
    ['pptp', tunnel.pptp()],
    ['ipip', tunnel.ipInIp()],
    ['nested', nested(tunnel.pppoe(), tunnel.mpls({ labels: [5], payload: 'ethernet', controlWord: true }), tunnel.vxlan(), tunnel.erspan({ type: 3 }))],
  ];
}

/** A short FTP session inside each encapsulation. */
export function tunnelCaptures(): Array<{ name: string; bytes: Buffer }> {
  const t = new TraceBuilder();
  const ctl = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21', windowScale: 7, sackPermitted: true, timestamps: true });
  ctl.handshake();
  ctl.server('PA', '220 ready\r\n');
  ctl.client('PA', 'USER anonymous\r\n');
  ctl.server('PA', '331 password please\r\n');
  ctl.client('PA', 'QUIT\r\n');
  ctl.server('PA', '221 bye\r\n');
  ctl.close();
  return wrappers().map(([name, wrap]) => ({ name: `crafted/tunnel-${name}.pcap`, bytes: framesToPcap(encapsulateFrames(t.frames(), wrap), { linkType: LinkType.ETHERNET }) }));
}

/** Single tunnelled frames (and an underlay-fragmented VXLAN packet) for the decoder target. */
export function tunnelFrames(): Array<{ name: string; linkType: number; frames: Buffer[] }> {
  const v4 = { src: '192.0.2.1', dst: '192.0.2.2' };
  const v6 = { src: '2001:db8::1', dst: '2001:db8::2' };
  const seg = { srcPort: 40000, dstPort: 21, seq: 1000, ack: 2000, flags: 'PA', payload: 'USER anonymous\r\n', options: { mss: 1460, ts: [1, 2] as [number, number] } };
  const inner4 = buildFrame({ ip: v4, tcp: seg });
  const inner6 = buildFrame({ vlan: [7], ip: v6, tcp: seg });
  const out: Array<{ name: string; linkType: number; frames: Buffer[] }> = [];
  for (const [name, wrap] of wrappers()) {
    out.push({ name: `tunnel-${name}-v4`, linkType: LinkType.ETHERNET, frames: [wrap(inner4)] });
    out.push({ name: `tunnel-${name}-v6`, linkType: LinkType.ETHERNET, frames: [wrap(inner6)] });
  }
  const big = buildFrame({ ip: v4, tcp: { ...seg, payload: 'x'.repeat(600) } });
  out.push({
    name: 'tunnel-vxlan-underlay-fragments',
    linkType: LinkType.ETHERNET,
    frames: buildFragmentedFrames({ ip: { src: '198.51.100.1', dst: '198.51.100.2' }, udp: { srcPort: 50000, dstPort: 4789, payload: encodeVxlan(big) } }, 256),
  });
  return out;
}
