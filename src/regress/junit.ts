// JUnit XML for CI systems: one <testcase> per trace, a <failure> listing its mismatches.

export interface JunitCase {
  name: string; //       trace path as given
  seconds: number;
  failures: string[]; // empty when the trace passed
  error: string | null; // the trace or its expectation could not be read
}

export function junitXml(suite: string, cases: readonly JunitCase[]): string {
  const failed = cases.filter((c) => c.failures.length > 0).length;
  const errors = cases.filter((c) => c.error !== null).length;
  const total = cases.reduce((a, c) => a + c.seconds, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${cases.length}" failures="${failed}" errors="${errors}" time="${total.toFixed(3)}">`,
    `  <testsuite name="${xml(suite)}" tests="${cases.length}" failures="${failed}" errors="${errors}" time="${total.toFixed(3)}">`,
  ];
  for (const c of cases) {
    lines.push(`    <testcase classname="${xml(suite)}" name="${xml(c.name)}" time="${c.seconds.toFixed(3)}">`);
    if (c.error !== null) lines.push(`      <error message="${xml(c.error)}"/>`);
    else if (c.failures.length > 0)
      lines.push(`      <failure message="${xml(`${c.failures.length} mismatch(es)`)}">${xml(c.failures.join('\n'))}</failure>`);
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
