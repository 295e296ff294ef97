// Reply pairing (control/pairing.ts): replies answer the oldest waiting command, with the
// exceptions RFC 959 allows; the queue empties and fills again many times in a session (it is a
// shared empty list between commands), so each step is checked across emptyings.

import { expect } from 'chai';
import { ReplyPairing, type PairingOwner } from '../../src/ftp/control/pairing.ts';
import type { Pending } from '../../src/ftp/control/verbs.ts';
import type { FtpCommand, FtpReply } from '../../src/ftp/types.ts';
import { newCommand, newSession } from '../../src/ftp/records.ts';

const reply = (code: number): FtpReply => ({ code, text: 'x', lines: 1, valid: true, firstFrame: 1, frame: 1, time: 0, overlong: false, incomplete: false });

function setup(maxPending = 1024) {
  const log: string[] = [];
  const owner: PairingOwner = {
    placeCommand: (p) => {
      p.placed = true;
      log.push(`place ${p.cmd.verb}`);
    },
    commandGivenUp: (cmd: FtpCommand) => void log.push(`give up ${cmd.verb}`),
  };
  const session = newSession({ id: 0, control: 0, client: { addr: 'a', port: 1 }, server: { addr: 'b', port: 21 } });
  const pairing = new ReplyPairing(session, maxPending, owner);
  let index = 0;
  const send = (verb: string, track = false): Pending => {
    const p: Pending = { cmd: newCommand({ index: index++, verb, arg: '', frame: index, time: 0 }), kept: true, placed: false };
    if (track) p.track = {};
    pairing.push(p, index);
    pairing.placeHead();
    return p;
  };
  const answer = (code: number, loose = false) => {
    const p = pairing.takeFor(reply(code), loose);
    if (p) pairing.placeHead();
    return p?.cmd.verb ?? null;
  };
  return { log, session, pairing, send, answer };
}

describe('ftp/control ReplyPairing', () => {
  it('answers in order across emptyings of the queue, placing each command when it becomes the oldest', () => {
    const { log, pairing, send, answer } = setup();
    expect(pairing.waiting).to.equal(false);
    expect(answer(200)).to.equal(null); // nothing waits: answers no command the capture holds
    for (let round = 0; round < 3; round++) {
      send('TYPE');
      send('CWD');
      expect(pairing.waiting).to.equal(true);
      expect([answer(200), answer(250)]).to.deep.equal(['TYPE', 'CWD']);
      expect(pairing.waiting).to.equal(false);
      send('NOOP');
      expect(answer(200)).to.equal('NOOP');
    }
    expect(log.filter((l) => l.startsWith('place'))).to.have.length(9);
    expect(log.slice(0, 3)).to.deep.equal(['place TYPE', 'place CWD', 'place NOOP']);
  });

  it('STAT during a transfer, a skipped blank line, re-alignment after a gap, the cap and the end', () => {
    const { log, session, pairing, send, answer } = setup(3);
    const retr = send('RETR', true);
    retr.cmd.preliminary = [reply(150)];
    send('STAT');
    expect(answer(211)).to.equal('STAT'); // answered at once, RETR still waits
    expect(answer(226)).to.equal('RETR');
    expect(pairing.waiting).to.equal(false);
    send('');
    send('PWD');
    expect(answer(257)).to.equal('PWD'); // the blank line got no reply
    expect(pairing.waiting).to.equal(false);
    send('CWD');
    send('PASV');
    expect(answer(227, true)).to.equal('PASV'); // 227 cannot answer CWD: its reply was lost
    expect(log).to.include('give up CWD');
    expect(pairing.waiting).to.equal(false);
    for (const v of ['NOOP', 'SYST', 'FEAT', 'HELP']) send(v); // one past the cap of 3
    expect(session.pendingOverflow).to.equal(1);
    expect(answer(215)).to.equal('SYST');
    pairing.end();
    expect(log.slice(-2)).to.deep.equal(['give up FEAT', 'give up HELP']);
    expect(pairing.waiting).to.equal(false);
    send('QUIT');
    expect(answer(221)).to.equal('QUIT');
  });
});
