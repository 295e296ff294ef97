// JUnit XML for CI systems: one <testcase> per trace, named relative to the directory given (the
// same on every machine), grouped by that directory (classname), with the trace's path in a
// `file` attribute, a <failure> listing its mismatches, and its text report in <system-out>.

import { TOOL_VERSION } from '../report/tool-version.ts';

export interface JunitCase {
  name: string; //       trace name relative to the directory given
  classname: string; //  that directory, as given
  file: string; //       the trace's path (relative to the working directory when under it)
  seconds: number;
  failures: string[]; // empty when the trace passed
  error: string | null; // the trace or its expectation could not be read
  report?: string | null; // the text report of the trace's analysis
}

export function junitXml(suite: string, cases: readonly JunitCase[]): string {
  const failed = cases.filter((c) => c.failures.length > 0).length;
  const errors = cases.filter((c) => c.error !== null).length;
  const total = cases.reduce((a, c) => a + c.seconds, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${cases.length}" failures="${failed}" errors="${errors}" time="${total.toFixed(3)}">`,
    `  <testsuite name="${xml(suite)}" tests="${cases.length}" failures="${failed}" errors="${errors}" time="${total.toFixed(3)}">`,
    '    <properties>',
    `      <property name="ftpdiag.version" value="${xml(TOOL_VERSION)}"/>`,
    '    </properties>',
  ];
  for (const c of cases) {
    lines.push(`    <testcase classname="${xml(c.classname)}" name="${xml(c.name)}" file="${xml(c.file)}" time="${c.seconds.toFixed(3)}">`);
    if (c.error !== null) {
      // an attribute's line breaks are read as spaces: the first line is the message, all in the body
      const [first, ...more] = c.error.split('\n');
      lines.push(more.length === 0 ? `      <error message="${xml(c.error)}"/>` : `      <error message="${xml(first!)}">${xml(c.error)}</error>`);
    }
    else if (c.failures.length > 0) {
      const n = c.failures.length;
      lines.push(`      <failure message="${xml(`${n} ${n === 1 ? 'mismatch' : 'mismatches'}`)}">${xml(c.failures.join('\n'))}</failure>`);
    }
    if (c.report) lines.push(`      <system-out>${xml(c.report)}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

/** XML 1.0 text: the five entities escaped and characters XML cannot carry replaced. */
function xml(s: string): string {
  return s
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd');
}
