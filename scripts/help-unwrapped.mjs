// Makes yargs lay its help out without a width limit (wrap(null)), so that every row of a group
// is one line. At the terminal's width yargs wraps long cells, the left one too (a long example
// continues on the next line at a row's indent), and no reader of the text can tell such a line
// from a new row. build-man.mjs preloads this into `ftpdiag … --help` (the bundle imports yargs
// from node_modules, so it shares this module's instance); test/cli/man-page.test.ts calls it
// around the in-process CLI.
import yargs from 'yargs';

/** Overrides wrap() on every yargs instance; returns the function that undoes it. */
export function unwrapYargsHelp() {
  const proto = Object.getPrototypeOf(yargs());
  const wrap = proto.wrap;
  if (typeof wrap !== 'function') throw new Error('yargs instances have no wrap() to override: update scripts/help-unwrapped.mjs');
  proto.wrap = function unwrapped() {
    return wrap.call(this, null);
  };
  return () => {
    proto.wrap = wrap;
  };
}
