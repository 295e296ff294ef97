// What `regress` loads when it runs (on-demand.ts says why): its trace discovery, JUnit writer
// and runner, which read expectation files with the YAML parser.
export { discoverTraces } from '../../regress/discover.ts';
export { junitXml } from '../../regress/junit.ts';
export { runRegression } from '../../regress/run.ts';
