// Untrusted input: random bytes anywhere must not throw, and every buffer stays bounded.

import { expect } from 'chai';
import fc from 'fast-check';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { parse227, parse228, parse229, parseEprt, parseLprt, parsePort } from '../../src/ftp/address-parsers.ts';
import { parse150Size, parse213Size, parse257 } from '../../src/ftp/reply-parsers.ts';
import { runCrafted } from './pipeline.ts';

describe('ftp fuzz', () => {
  it('parsers return a value or null for any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        for (const p of [parsePort, parseEprt, parseLprt, parse227, parse228, parse229]) {
          const r = p(s);
          if (r !== null) expect(r.port).to.be.within(1, 65535);
        }
        parse150Size(s);
        parse213Size(s);
        parse257(s);
      }),
      { numRuns: 500 },
    );
  });

  it('random control-channel bytes on port 21 never throw and keep lines bounded', () => {
    const mixed = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      fc.constantFrom('220 ok\r\n', 'USER a\r\n', '150 x\r\n', '211-a\r\n', '227 (1,2,3,4,5,6)\r\n', 'PASV\r\n', 'RETR f\r\n',
        '234 go\r\n', 'AUTH TLS\r\n', '\xff\xf4\xff\xf2ABOR\r\n', 'A'.repeat(9000)).map((s) => Buffer.from(s, 'latin1')),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), mixed), { maxLength: 25 }), (segments) => {
        const t = new TraceBuilder();
        const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
        c.handshake();
        for (const [fromServer, data] of segments) if (data.length > 0) c.send(fromServer ? 'server' : 'client', 'PA', data);
        const r = runCrafted(t.frames());
        for (const s of r.ftp.sessions) {
          for (const cmd of s.commands) expect(cmd.arg.length + cmd.verb.length).to.be.at.most(8192);
          expect(s.overlongFrames.length).to.be.at.most(20);
        }
        expect(r.events.filter((e) => e.startsWith('transfer:'))).to.have.length(r.ftp.transfers.length);
      }),
      { numRuns: 60 },
    );
  });
});
