// Class 11 of issue 23: several capture files analysed as one, merged by time as mergecap merges
// them; frame numbers follow the merged order and the report says how to reproduce it.

import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LinkType, type Frame } from '../../src/capture/frame.ts';
import { readCapture } from '../../src/capture/read.ts';
import { readMerged } from '../../src/capture/merge.ts';
import { framesToPcap, framesToPcapng } from '../../src/craft/capture-files.ts';
import { TraceBuilder, type CraftedFrame } from '../../src/craft/trace-builder.ts';
import { cli } from '../support/cli.ts';
import { login, passiveRetr, quit, tempDir } from './support.ts';

/** A session whose control connection and data connection go to two files (two capture points,
 *  or a capture per port): frames split by their TCP ports. */
function splitSession(bytes: number): { control: CraftedFrame[]; data: CraftedFrame[]; all: CraftedFrame[] } {
  const t = new TraceBuilder();
  const c = login(t);
  passiveRetr(t, c, { bytes, file: 'putty.exe', dataPort: 43720 });
  quit(c);
  const all = t.frames();
  // TCP destination/source port at Ethernet + IPv4 (20 bytes): 21 is the control connection
  const isControl = (f: CraftedFrame) => f.data.readUInt16BE(34) === 21 || f.data.readUInt16BE(36) === 21;
  return { control: all.filter(isControl), data: all.filter((f) => !isControl(f)), all };
}

async function framesOf(path: string): Promise<Array<[number, string]>> {
  const out: Array<[number, string]> = [];
  await readCapture(path, (f) => void out.push([f.time, f.data.toString('hex')]));
  return out;
}

const hasMergecap = spawnSync('mergecap', ['-h'], { stdio: 'ignore' }).status === 0;

describe('field captures: several capture files at once', function () {
  let tmp: ReturnType<typeof tempDir>;
  before(() => (tmp = tempDir('ftpdiag-merge-')));
  after(() => tmp.remove());

  it('links a data connection captured in another file to its command, numbered in merged order', async () => {
    const { control, data, all } = splitSession(397_312);
    const a = join(tmp.dir, 'ctl.pcap');
    const b = join(tmp.dir, 'data.pcap');
    writeFileSync(a, framesToPcap(control, { linkType: LinkType.ETHERNET }));
    writeFileSync(b, framesToPcap(data, { linkType: LinkType.ETHERNET }));
    const alone = JSON.parse((await cli(['analyze', '--json', a])).out);
    expect(alone.transfers[0].dataConnection).to.equal(null);
    const r = await cli(['analyze', '--json', a, b]);
    expect(r.code).to.equal(0);
    const doc = JSON.parse(r.out);
    const [t] = doc.transfers;
    expect([t.command, t.bytes, t.outcome]).to.deep.equal(['RETR', 397_312, 'complete']);
    expect(t.dataConnection).to.not.equal(null);
    expect(doc.capture.frames).to.equal(all.length);
    // merged order is time order here: the 226's frame is its place in the whole session
    const final = all.findIndex((f) => f.data.includes(Buffer.from('226 Transfer complete')));
    expect(t.finalReply.frame).to.equal(final + 1);
    expect(doc.capture.merged.command).to.equal(`mergecap -w merged.pcapng ${a} ${b}`);
    expect(doc.capture.merged.files.map((f: { frames: number }) => f.frames)).to.deep.equal([control.length, data.length]);
    const textOut = (await cli(['analyze', a, b, '--width', '1000'])).out; // the line unwrapped
    expect(textOut).to.include(`frame numbers are those of \`mergecap -w merged.pcapng ${a} ${b}\``);
  });

  it('merges files of other formats and link types, each file keeping its own order', async () => {
    const t1 = new TraceBuilder({ linkType: LinkType.LINUX_SLL, start: 1_700_000_000, step: 0.002 });
    const c1 = login(t1, { client: '192.0.2.1:40001' });
    quit(c1);
    const t2 = new TraceBuilder({ start: 1_700_000_000.001, step: 0.002 });
    const c2 = login(t2, { client: '192.0.2.2:40002', loginOk: false });
    quit(c2);
    const a = join(tmp.dir, 'sll.pcap');
    const b = join(tmp.dir, 'eth.pcapng');
    writeFileSync(a, t1.toPcap());
    writeFileSync(b, framesToPcapng(t2.frames(), { linkType: LinkType.ETHERNET }));
    const seen: Frame[] = [];
    const summary = await readMerged([a, b], (f) => void seen.push({ ...f, data: Buffer.from(f.data) }));
    expect(summary.frames).to.equal(t1.count + t2.count);
    expect(summary.linkTypes).to.deep.equal([LinkType.LINUX_SLL, LinkType.ETHERNET]);
    expect(seen.map((f) => f.number)).to.deep.equal(seen.map((_, i) => i + 1));
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.time).to.be.at.least(seen[i - 1]!.time);
    const doc = JSON.parse((await cli(['analyze', '--json', a, b])).out);
    expect(doc.sessions.map((s: { loggedIn: boolean }) => s.loggedIn)).to.deep.equal([true, false]);
  });

  it('gives the frame order mergecap gives, ties and files out of time order included', async function () {
    if (!hasMergecap) this.skip(); // mergecap (Debian wireshark-common) is not installed; .ci/run installs it
    const t1 = new TraceBuilder({ start: 1_700_000_000, step: 0.001 });
    const c1 = login(t1, { client: '192.0.2.1:40001' });
    quit(c1);
    const t2 = new TraceBuilder({ start: 1_700_000_000, step: 0.001 }); // same times: ties everywhere
    const c2 = login(t2, { client: '192.0.2.2:40002' });
    quit(c2);
    const f3 = splitSession(5000).data;
    // a file whose own times go backwards once: a merge keeps its order
    const shuffled = [...f3.slice(0, 3), { ...f3[6]!, tsSec: f3[0]!.tsSec - 1 }, ...f3.slice(3)];
    const paths = ['a.pcap', 'b.pcap', 'c.pcap'].map((n) => join(tmp.dir, n));
    writeFileSync(paths[0]!, t1.toPcap());
    writeFileSync(paths[1]!, t2.toPcap());
    writeFileSync(paths[2]!, framesToPcap(shuffled, { linkType: LinkType.ETHERNET }));
    const out = join(tmp.dir, 'merged.pcapng');
    execFileSync('mergecap', ['-w', out, ...paths], { stdio: 'ignore' });
    const ours: Array<[number, string]> = [];
    await readMerged(paths, (f) => void ours.push([f.time, f.data.toString('hex')]));
    expect(ours).to.deep.equal(await framesOf(out));
  });

  it('refuses to merge standard input, and reports a bad file with its name and offset', async () => {
    const { control } = splitSession(1000);
    const a = join(tmp.dir, 'good.pcap');
    writeFileSync(a, framesToPcap(control, { linkType: LinkType.ETHERNET }));
    const stdin = await cli(['analyze', a, '-']);
    expect(stdin.code).to.equal(2);
    expect(stdin.err).to.include('standard input (-) cannot be merged');
    const bad = join(tmp.dir, 'bad.pcap');
    writeFileSync(bad, Buffer.from('this is not a capture at all'));
    const r = await cli(['analyze', a, bad]);
    expect(r.code).to.equal(2);
    expect(r.err).to.include(`${bad}: offset 0: not a pcap or pcapng file`);
  });
});
