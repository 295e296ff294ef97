// The public JSON contract (src/contract/report.ts): the schema shipped in schema/ is the one the
// declarations give, and every report ftpdiag writes for captures/ and the shared corpus
// validates against it, with no detector state in it.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { analyzeFile } from '../../src/pipeline/analyze.ts';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { REPORT_VERSION } from '../../src/contract/report.ts';
import { JsonSpool } from '../../src/report/json-spool.ts';
import { renderJson } from '../../src/report/json.ts';
import { TOOL_VERSION } from '../../src/report/tool-version.ts';
import { unitView } from '../../src/view/unit.ts';
import { schemaPath, schemaText } from '../../scripts/build-schema.ts';
import { corpusIt, projectRoot, traceFiles } from '../support/trace-files.ts';
import { analysisResult, command, connection, reply, session, transfer } from '../diagnose/fixtures.ts';

const rules = loadRules();
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);

/** Keys of the engine's and the FTP stage's working state, which the contract leaves out. */
const DETECTOR_STATE = ['ipHistory', 'awaitingNext', 'app', 'deliver', 'closedSince', 'closedFrame', 'secret', 'senderEndpoint', 'serverSide', 'keys', 'listeners'];

function keysOf(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) keysOf(x, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.add(k);
      keysOf(x, out);
    }
  }
  return out;
}

/** The report of `path` as `analyze --json` writes it (streamed), parsed. */
async function reportOf(path: string): Promise<unknown> {
  const spool = new JsonSpool();
  try {
    const { result, error } = await analyzeFile(path, { rules, release: (u) => spool.add(unitView(u, { showPasswords: false })) });
    const opts = { error: error ? { message: error.reason, offset: error.offset, code: error.code } : null };
    return JSON.parse([...spool.render(result, opts)].join(''));
  } finally {
    spool.close();
  }
}

function check(reports: Array<[string, unknown]>): string[] {
  const bad: string[] = [];
  for (const [name, doc] of reports) {
    if (!validate(doc)) bad.push(`${name}: ${(validate.errors ?? []).slice(0, 3).map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
    const leaked = DETECTOR_STATE.filter((k) => keysOf(doc).has(k));
    if (leaked.length) bad.push(`${name}: detector state ${leaked.join(', ')}`);
  }
  return bad;
}

async function checkAll(paths: string[]): Promise<string[]> {
  const reports: Array<[string, unknown]> = [];
  for (const p of paths) reports.push([p.slice(projectRoot.length - 1), await reportOf(p)]);
  return check(reports);
}

describe('report/schema: the public JSON contract', function () {
  this.timeout(300_000);

  it('schema/report.schema.json is what the declarations give (node --import tsx scripts/build-schema.ts writes it)', () => {
    expect(readFileSync(schemaPath, 'utf8')).to.equal(schemaText());
  });

  it('every report of captures/ validates, names its version and the tool, and holds no detector state', async () => {
    const paths = traceFiles(join(projectRoot, 'captures'));
    expect(paths.length).to.be.greaterThan(20);
    expect(await checkAll(paths)).to.deep.equal([]);
    const doc = (await reportOf(paths[0]!)) as { ftpdiag: { reportVersion: number; version: string } };
    expect(doc.ftpdiag).to.deep.equal({ reportVersion: REPORT_VERSION, version: TOOL_VERSION });
  });

  corpusIt('every report of the shared corpus (public and real-world captures) validates', async () => {
    const paths = [...traceFiles(join(projectRoot, '..', 'shared', 'corpus', 'public')), ...traceFiles(join(projectRoot, '..', 'shared', 'corpus', 'realworld'))];
    expect(await checkAll(paths)).to.deep.equal([]);
  });

  it('a hand-made result with every kind of value validates too (secrets hidden, bytes not captured)', () => {
    const s = session(0, 0, {
      commands: [command(0, 'USER', 'bob', 5, reply(331, 6), { login: 0 }), command(1, 'PASS', 'hunter2', 7, reply(230, 8), { login: 0 })],
      logins: [{ user: 'bob', password: 'hunter2', commands: [0, 1] }],
      transfers: [0],
    });
    const t = transfer(0, { bytesStatus: 'not-captured', announcedBytes: 65536, replyCodes: [150, 226], finalReply: reply(226, 30) });
    const doc = JSON.parse(renderJson(analysisResult({ connections: [connection(0)], sessions: [s], transfers: [t] })));
    expect(check([['fixture', doc]])).to.deep.equal([]);
    expect(doc.transfers[0]).to.include({ bytes: null, bytesAcked: null, bytesStatus: 'not-captured', announcedBytes: 65536 });
    expect(JSON.stringify(doc)).to.not.include('hunter2');
    // the schema is strict: an undeclared field, a missing one or a wrong type fails
    expect(validate({ ...doc, extra: 1 })).to.equal(false);
    expect(validate({ ...doc, transfers: [{ ...doc.transfers[0], bytes: 'none' }] })).to.equal(false);
    const { summary: _summary, ...withoutSummary } = doc;
    expect(validate(withoutSummary)).to.equal(false);
  });
});
