// A command record (records.ts newCommand) is complete whatever its caller gives: every field
// present, in one order (the JSON report's key order), a given field taking its default's place.

import { expect } from 'chai';
import { newCommand } from '../../src/ftp/records.ts';

describe('ftp/records newCommand', () => {
  it('fills every field not given with its default, lastFrame with the first frame', () => {
    const c = newCommand({ index: 3, verb: 'RETR', arg: 'a.txt', frame: 40, time: 1.5 });
    expect(Object.entries(c)).to.deep.equal([
      ['known', false], ['preliminary', []], ['reply', null], ['telnetInterrupt', false], ['lastFrame', 40],
      ['overlong', false], ['unanswered', false], ['unsupported', false], ['replyMissing', null], ['cwd', null],
      ['path', null], ['login', null], ['announcement', null], ['index', 3], ['verb', 'RETR'], ['arg', 'a.txt'],
      ['frame', 40], ['time', 1.5],
    ]);
  });

  it('takes every field given, in the same places', () => {
    const reply = { code: 226, text: 'ok', lines: 1, valid: true, firstFrame: 50, frame: 50, time: 2, overlong: false, incomplete: false };
    const given = {
      index: 0, verb: 'STOR', arg: 'b', frame: 41, time: 1.6, known: true, preliminary: [reply], reply, telnetInterrupt: true,
      lastFrame: 42, overlong: true, unanswered: true, unsupported: true, replyMissing: { bytes: 9, frame: 45 }, cwd: '/', path: '/b',
      login: 0, announcement: null,
    };
    const c = newCommand(given);
    expect(Object.keys(c)).to.deep.equal(Object.keys(newCommand({ index: 0, verb: '', arg: '', frame: 0, time: 0 })));
    for (const [k, v] of Object.entries(given)) expect(c[k as keyof typeof c], k).to.equal(v);
  });
});
