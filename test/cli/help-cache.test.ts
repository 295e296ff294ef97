// yargs lays out a command's whole help when it starts the handler, to print it on a later
// failure; ftpdiag never prints help on failure, so runCli skips that layout (a fifth of a short
// run's start-up). --help must still print the help.

import { expect } from 'chai';
import yargs from 'yargs';
import { runCli, skipHelpCache } from '../../src/cli/program.ts';
import type { CliIO } from '../../src/cli/io.ts';

type Usage = { hasCachedHelpMessage(): boolean };
const usageOf = (y: unknown) => (y as { getInternalMethods(): { getUsageInstance(): Usage } }).getInternalMethods().getUsageInstance();

function parser() {
  let ran = false;
  const y = yargs(['go', '--n', '3'])
    .command({ command: 'go', describe: 'runs', builder: (a) => a.option('n', { type: 'number', describe: 'a number' }), handler: () => void (ran = true) })
    .exitProcess(false);
  return { y, ran: () => ran };
}

describe('cli: no help layout at every start', () => {
  it('skipHelpCache keeps yargs from laying out the help when a command runs', async () => {
    const plain = parser();
    await plain.y.parseAsync();
    expect(plain.ran()).to.equal(true);
    expect(usageOf(plain.y).hasCachedHelpMessage()).to.equal(true); // what yargs does by itself

    const skipped = parser();
    skipHelpCache(skipped.y);
    await skipped.y.parseAsync();
    expect(skipped.ran()).to.equal(true);
    expect(usageOf(skipped.y).hasCachedHelpMessage()).to.equal(false);
  });

  it('still prints a command\'s help with --help', async () => {
    let out = '';
    const io: CliIO = { out: (t) => void (out += t), err: () => undefined, stdoutIsTTY: false, columns: undefined, env: {} };
    expect(await runCli(['analyze', '--help'], io)).to.equal(0);
    expect(out).to.match(/^ftpdiag analyze/).and.include('--json').and.include('Examples:');
  });
});
