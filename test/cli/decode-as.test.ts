// `analyze -d udp.port==N,vxlan` (tshark's syntax) and the report header's encapsulation line:
// an upload reset inside a VXLAN mirror on Linux's port 8472 is found only once the port is named,
// and the text, JSON and HTML reports say which encapsulation the frames came through.

import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinkType } from '../../src/capture/frame.ts';
import { framesToPcap } from '../../src/capture/pcap-writer.ts';
import { encapsulateFrames, tunnel } from '../../src/craft/encapsulation.ts';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { cliDecodeAs } from '../../src/cli/decode-as-option.ts';
import { cli } from '../support/cli.ts';

/** A STOR whose client resets the data connection after 3000 bytes; the server answers 426. */
function uploadReset(): TraceBuilder {
  const t = new TraceBuilder();
  const ctl = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
  ctl.handshake();
  ctl.server('PA', '220 ready\r\n');
  ctl.client('PA', 'USER anonymous\r\n');
  ctl.server('PA', '331 password\r\n');
  ctl.client('PA', 'PASS x\r\n');
  ctl.server('PA', '230 ok\r\n');
  ctl.client('PA', 'PASV\r\n');
  ctl.server('PA', '227 Entering Passive Mode (192,0,2,2,195,80)\r\n');
  const data = t.tcp({ client: '192.0.2.1:40001', server: '192.0.2.2:50000' });
  data.handshake();
  ctl.client('PA', 'STOR up.bin\r\n');
  ctl.server('PA', '150 go ahead\r\n');
  data.stream('client', 3000);
  data.server('A');
  data.client('R');
  ctl.server('PA', '426 Connection closed; transfer aborted.\r\n');
  ctl.client('PA', 'QUIT\r\n');
  ctl.server('PA', '221 bye\r\n');
  ctl.close();
  return t;
}

describe('cli: analyze --decode-as (tshark -d syntax) and the encapsulation header', function () {
  this.timeout(30_000);
  let tmp = '';
  let file = '';
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'ftpdiag-i31-cli-'));
    file = join(tmp, 'vxlan-8472.pcap');
    writeFileSync(file, framesToPcap(encapsulateFrames(uploadReset().frames(), tunnel.vxlan({ port: 8472 })), { linkType: LinkType.ETHERNET }));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('without -d the VXLAN on 8472 is UDP: no FTP, no encapsulation line', async () => {
    const r = await cli(['analyze', file, '--width', '300']);
    expect(r.out).to.include('0 FTP sessions');
    expect(r.out).to.not.include('encapsulations:');
  });

  it('with -d udp.port==8472,vxlan: the upload reset is found; the header names VXLAN and its frames', async () => {
    const r = await cli(['analyze', '-d', 'udp.port==8472,vxlan', file, '--width', '300']);
    expect(r.code).to.equal(1);
    const lines = r.out.split('\n');
    expect(lines[1]).to.equal('  encapsulations: VXLAN 27 frames — inner packets analysed as if captured on the host');
    expect(r.out).to.include('ERROR upload-reset');
    // frame numbers stay the capture's
    expect(r.out).to.match(/upload-reset .*\[frames [0-9, ]*\b21\b/);
  });

  it('the JSON report lists the encapsulations under capture.decode', async () => {
    const r = await cli(['analyze', '--json', '--decode-as', 'udp.port==8470-8479,vxlan', file]);
    const doc = JSON.parse(r.out);
    expect(doc.capture.decode.encapsulations).to.deep.equal([{ id: 'vxlan', name: 'VXLAN', frames: 27, malformed: 0, truncated: 0 }]);
    expect(doc.findings.map((f: { id: string }) => f.id)).to.include('upload-reset');
  });

  it('the HTML report names them too, and its second read of the capture uses the same -d', async () => {
    const html = join(tmp, 'r.html');
    const r = await cli(['analyze', '-d', 'udp.port==8472:1,vxlan', file, '--html', html]);
    expect(r.err).to.equal('');
    const page = readFileSync(html, 'utf8');
    expect(page).to.include('<dt>Encapsulations</dt><dd>VXLAN 27 frames; inner packets analysed as if captured on the host</dd>');
    expect(page).to.not.include('None of its frames is a TCP segment');
    expect(page).to.match(/<svg[^>]*aria-label="Packet ladder for upload-reset/);
  });

  it('--extract and --annotate read the capture again with the same -d', async () => {
    const dir = join(tmp, 'files');
    const out = join(tmp, 'annotated.pcapng');
    const r = await cli(['analyze', '-d', 'udp.port==8472,vxlan', file, '--extract', dir, '--annotate', out]);
    expect(r.code).to.equal(1);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.files).to.have.length(1);
    expect(manifest.files[0]).to.include({ command: 'STOR', bytesOnWire: 3000, bytesWritten: 3000 });
    expect(readFileSync(join(dir, manifest.files[0].file)).length).to.equal(3000);
    expect(r.err).to.match(/annotated capture .*: 27 frames, [1-9][0-9]* with ftpdiag comments/);
  });

  it('bad -d values: one line naming the option, exit 2', async () => {
    for (const [value, message] of [
      ['tcp.port==2121,ftp', /FTP is found on any TCP port/],
      ['udp.port==8472,nvgre', /vxlan and geneve .* not 'nvgre'/],
      ['udp.port==0,vxlan', /names no port/],
      ['udp.port==1-60000,vxlan', /at most 1024/],
      ['udp.port=8472,vxlan', /wants udp.port==PORT,vxlan/],
    ] as const) {
      const r = await cli(['analyze', '-d', value, file]);
      expect(r.code, value).to.equal(2);
      expect(r.out).to.equal('');
      expect(r.err, value).to.match(message);
      expect(r.err.trim().split('\n')).to.have.length(1);
    }
  });

  it('parses tshark’s forms: one port, a range, a count; geneve; repeated', () => {
    expect(cliDecodeAs(undefined)).to.deep.equal({});
    expect(cliDecodeAs('udp.port==8472,vxlan')).to.deep.equal({ udpPorts: [[8472, 'vxlan']] });
    expect(cliDecodeAs(['udp.port==10-11,VXLAN', 'udp.port == 7000:2 , geneve'])).to.deep.equal({
      udpPorts: [[10, 'vxlan'], [11, 'vxlan'], [7000, 'geneve'], [7001, 'geneve']],
    });
  });
});
