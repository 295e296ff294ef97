// Real captures on lo (127.0.0.1 only): a TCP exchange of known bytes while capturing with a
// filter on its port, checked frame by frame and against the -w file read back. Error paths
// that need a real tool: unknown interface, bad filter, no permission (tcpdump run as nobody),
// interface deleted mid-capture (in a private network namespace). Capturing needs root.
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame } from '../../src/capture/frame.ts';
import { openLive, type BackendChoice, type LiveError, type LiveSummary } from '../../src/capture/live/index.ts';
import { loadCap } from '../../src/capture/live/cap-backend.ts';
import { readCapture } from '../../src/capture/read.ts';
import { Cleanup, exchange, isRoot, privateNetns, startServer } from './loopback.ts';
import { FIN, peekTcp, SYN } from './tcp-peek.ts';

interface Kept {
  number: number;
  tsSec: number;
  tsNsec: number;
  capLen: number;
  origLen: number;
  linkType: number;
  data: Buffer;
}

const keep = (f: Frame): Kept => ({
  number: f.number,
  tsSec: f.tsSec,
  tsNsec: f.tsNsec,
  capLen: f.capLen,
  origLen: f.origLen,
  linkType: f.linkType,
  data: Buffer.from(f.data),
});

const hasCap = await loadCap().then(
  () => true,
  () => false,
);
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;
const hasDumpcap = fs.existsSync('/usr/bin/dumpcap');

const rootNote = isRoot ? '' : ' (skipped: capturing needs root, and this is not root)';

describe(`live capture on lo${rootNote}`, function () {
  this.timeout(8000);
  const clean = new Cleanup();
  let dir: string;
  before(function () {
    if (!isRoot) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftpdiag-live-'));
  });
  afterEach(() => clean.cleanup());
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  /** One client/server exchange captured by `backend`; returns frames, summary and -w frames. */
  async function captureExchange(backend: BackendChoice, toolDirs?: string[]) {
    const request = Buffer.alloc(3000, 'q');
    const reply = Buffer.alloc(5000, 'r');
    const srv = await startServer(reply);
    clean.add(srv.close);
    const frames: Kept[] = [];
    const file = path.join(dir, `${backend}-${toolDirs ? 'dumpcap' : 'x'}.pcap`);
    const t0 = Date.now() / 1000;
    const live = clean.capture(
      await openLive({ iface: 'lo', filter: `tcp port ${srv.port}`, backend, toolDirs, writeFile: file, onFrame: (f) => frames.push(keep(f)) }),
    );
    const answer = await exchange(srv.port, request);
    expect(answer.equals(reply)).to.equal(true);
    expect((await srv.received).equals(request)).to.equal(true);
    const summary = await live.stop();
    const t1 = Date.now() / 1000;
    const written: Kept[] = [];
    const fileSummary = await readCapture(file, (f) => written.push(keep(f)));
    return { frames, summary, written, fileSummary, port: srv.port, request, reply, t0, t1 };
  }

  function checkExchange(r: Awaited<ReturnType<typeof captureExchange>>, kernelTimes: boolean): void {
    const { frames, summary, port } = r;
    expect(summary.error).to.equal(null);
    expect(summary.endedBy).to.equal('stop');
    expect(summary.frames).to.equal(frames.length);
    expect(frames.map((f) => f.number)).to.deep.equal(frames.map((_, i) => i + 1));
    let syn = 0;
    let fin = 0;
    let toServer = 0;
    let toClient = 0;
    let toServerBytes = Buffer.alloc(0);
    for (const f of frames) {
      expect(f.linkType).to.equal(1);
      expect(f.capLen).to.equal(f.data.length);
      expect(f.origLen).to.equal(f.capLen); // small frames, nothing cut
      const t = peekTcp(f.data);
      expect(t, `frame ${f.number}`).to.not.equal(null);
      if (t!.flags & SYN) syn++;
      if (t!.flags & FIN) fin++;
      if (t!.dstPort === port) {
        toServer += t!.payload;
        toServerBytes = Buffer.concat([toServerBytes, f.data.subarray(t!.payloadOffset, t!.payloadOffset + t!.payload)]);
      } else {
        toClient += t!.payload;
      }
    }
    expect(syn, 'SYN and SYN-ACK').to.equal(2);
    expect(fin, 'one FIN each way').to.equal(2);
    expect(toServer).to.equal(r.request.length);
    expect(toClient).to.equal(r.reply.length);
    expect(toServerBytes.equals(r.request)).to.equal(true);
    // times: inside the capture's wall-clock window, never going backwards
    const times = frames.map((f) => f.tsSec + f.tsNsec / 1e9);
    expect(times[0]!).to.be.within(r.t0 - 0.01, r.t1 + 0.01);
    expect(times.at(-1)!).to.be.within(r.t0 - 0.01, r.t1 + 0.01);
    if (kernelTimes) for (let i = 1; i < times.length; i++) expect(times[i]!).to.be.at.least(times[i - 1]!);
    // the -w file holds the same frames
    expect(r.written.length).to.equal(frames.length);
    expect(summary.framesWritten).to.equal(frames.length);
    for (let i = 0; i < frames.length; i++) {
      const a = frames[i]!;
      const b = r.written[i]!;
      expect([b.number, b.tsSec, b.capLen, b.origLen, b.linkType], `frame ${i + 1}`).to.deep.equal([a.number, a.tsSec, a.capLen, a.origLen, a.linkType]);
      // µs-precision files keep the µs part only
      expect(b.tsNsec).to.equal(r.fileSummary.nanosecond ? a.tsNsec : Math.floor(a.tsNsec / 1000) * 1000);
      expect(b.data.equals(a.data), `frame ${i + 1} bytes`).to.equal(true);
    }
  }

  it('tcpdump: frames, kernel timestamps, -w file identical', async () => {
    const r = await captureExchange('tcpdump');
    expect(r.summary.backend).to.equal('tcpdump');
    expect(r.summary.timestamps).to.equal('kernel');
    expect(r.fileSummary.nanosecond).to.equal(true);
    expect(r.summary.capture?.frames).to.equal(r.frames.length);
    expect(r.summary.kernel.dropped).to.equal(0);
    checkExchange(r, true);
  });

  it('cap: the same exchange, arrival timestamps', async function () {
    if (!hasCap) this.skip(); // cap's native part is not built here: nothing to test
    const r = await captureExchange('cap');
    expect(r.summary.backend).to.equal('cap');
    expect(r.summary.timestamps).to.equal('arrival');
    checkExchange(r, false);
  });

  it('dumpcap when tcpdump is absent', async function () {
    if (!hasDumpcap) this.skip();
    const only = fs.mkdtempSync(path.join(os.tmpdir(), 'ftpdiag-dumpcap-'));
    clean.add(() => fs.rmSync(only, { recursive: true, force: true }));
    fs.symlinkSync('/usr/bin/dumpcap', path.join(only, 'dumpcap'));
    const r = await captureExchange('tcpdump', [only]);
    expect(r.summary.backend).to.equal('dumpcap');
    checkExchange(r, true);
  });

  it('a sink that throws ends the capture with sink-failed; the frame is already in -w', async () => {
    const srv = await startServer(Buffer.from('bye'));
    clean.add(srv.close);
    const file = path.join(dir, 'sink.pcap');
    const errors: LiveError[] = [];
    const live = clean.capture(
      await openLive({
        iface: 'lo',
        filter: `tcp port ${srv.port}`,
        writeFile: file,
        onFrame: (f) => {
          if (f.number === 2) throw new Error('analysis bug');
        },
        onError: (e) => errors.push(e),
      }),
    );
    await exchange(srv.port, Buffer.from('hi'));
    const s: LiveSummary = await live.done;
    expect(s.endedBy).to.equal('error');
    expect(s.error?.code).to.equal('sink-failed');
    expect(s.error?.message).to.equal('frame 2: analysis bug');
    expect(errors.map((e) => e.code)).to.deep.equal(['sink-failed']);
    expect(s.frames).to.equal(2);
    let n = 0;
    await readCapture(file, () => n++);
    expect(n).to.equal(2);
    // stop() after the end returns the same summary
    expect(await live.stop()).to.equal(s);
  });

  for (const backend of ['tcpdump', 'cap'] as const) {
    it(`${backend}: unknown interface lists the real ones`, async function () {
      if (backend === 'cap' && !hasCap) this.skip();
      const err = (await openLive({ iface: 'nosuch0', backend, onFrame: () => {} }).catch((e: unknown) => e)) as LiveError;
      expect(err.code).to.equal('no-such-interface');
      expect(err.message).to.match(/^no interface named 'nosuch0'; interfaces: .*\blo\b/);
    });

    it(`${backend}: a bad filter gives the compiler's message`, async function () {
      if (backend === 'cap' && !hasCap) this.skip();
      const err = (await openLive({ iface: 'lo', filter: 'tcp and bogus', backend, onFrame: () => {} }).catch((e: unknown) => e)) as LiveError;
      expect(err.code).to.equal('bad-filter');
      expect(err.message).to.equal("bad capture filter 'tcp and bogus': syntax error in filter expression");
    });
  }

  it('no permission: tcpdump run as nobody says how to fix it', async function () {
    if (!hasSetpriv) this.skip(); // setpriv (util-linux) is needed to drop to nobody
    const wrapper = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--inh-caps=-all'];
    const err = (await openLive({ iface: 'lo', backend: 'tcpdump', wrapper, onFrame: () => {} }).catch((e: unknown) => e)) as LiveError;
    expect(err.code).to.equal('permission');
    expect(err.message).to.contain('no permission to capture on lo');
    expect(err.message).to.contain('setcap cap_net_raw,cap_net_admin=eip $(which tcpdump)');
    // libpcap says "permission" before it looks the device up: a missing one is reported first
    const unknown = (await openLive({ iface: 'nosuch0', backend: 'tcpdump', wrapper, onFrame: () => {} }).catch((e: unknown) => e)) as LiveError;
    expect(unknown.code).to.equal('no-such-interface');
  });

  it('interface deleted mid-capture: done resolves with interface-gone and what was captured', async function () {
    const pid = await privateNetns(clean);
    if (pid === null) this.skip(); // no network namespaces (unshare -n) here
    const ns = ['nsenter', `--net=/proc/${pid}/ns/net`];
    try {
      execFileSync(ns[0]!, [...ns.slice(1), 'sh', '-c', 'ip link add ftpgone0 type veth peer name ftpgone1 && ip link set ftpgone0 up && ip link set ftpgone1 up'], { stdio: 'pipe' });
    } catch {
      this.skip(); // no veth support in this kernel
    }
    const errors: LiveError[] = [];
    const live = clean.capture(await openLive({ iface: 'ftpgone0', filter: '', wrapper: ns, onFrame: () => {}, onError: (e) => errors.push(e) }));
    execFileSync(ns[0]!, [...ns.slice(1), 'ip', 'link', 'del', 'ftpgone0']);
    const s = await live.done;
    expect(s.endedBy).to.equal('error');
    expect(s.error?.code).to.equal('interface-gone');
    expect(s.error?.message).to.match(/^interface ftpgone0 went away during the capture/);
    expect(errors.map((e) => e.code)).to.deep.equal(['interface-gone']);
  });
});
