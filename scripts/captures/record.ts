// Records the project's library of real FTP traces (captures/NAME.pcap[ng] + NAME.truth.json).
//
//   node --import tsx scripts/captures/record.ts [--list] [--out DIR] [--keep-temp] [SCENARIO...]
//
// Real servers (ftp-srv in-process, vsftpd, pyftpdlib, proftpd, pure-ftpd) and clients
// (basic-ftp, lftp, the raw client of lib/raw-ftp.ts, a Python client for urgent data) talk over
// loopback or over a veth pair between two network namespaces this script creates; tcpdump or
// dumpcap records them. Needs root (capturing, binding port 21/20, namespaces). A scenario whose
// server or kernel feature is missing is skipped with a message, not failed.

import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureIncompleteError } from './lib/capture.ts';
import { Cleanup } from './lib/cleanup.ts';
import { ScenarioContext, SkipError } from './lib/context.ts';
import { scenarios } from './scenarios/index.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

interface Args {
  list: boolean;
  out: string;
  keepTemp: boolean;
  names: string[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = { list: false, out: join(REPO, 'captures'), keepTemp: false, names: [] };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--list') a.list = true;
    else if (x === '--keep-temp') a.keepTemp = true;
    else if (x === '--out') a.out = argv[++i] ?? a.out;
    else if (x === '-h' || x === '--help') {
      console.log('usage: record.ts [--list] [--out DIR] [--keep-temp] [SCENARIO...]   (default: all scenarios)');
      process.exit(0);
    } else a.names.push(x);
  }
  return a;
}

function have(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.list) {
    for (const s of scenarios) console.log(`${s.name.padEnd(22)} ${s.title}\n${''.padEnd(22)}   → ${s.traces.join(', ')}`);
    return 0;
  }
  const unknown = args.names.filter((n) => !scenarios.some((s) => s.name === n));
  if (unknown.length) {
    console.error(`unknown scenario(s): ${unknown.join(', ')} (see --list)`);
    return 2;
  }
  const chosen = args.names.length ? scenarios.filter((s) => args.names.includes(s.name)) : scenarios;
  const needsCapture = chosen.some((s) => !s.name.startsWith('crafted'));
  if (needsCapture && (process.getuid?.() !== 0 || !have('tcpdump'))) {
    console.error('recording needs root and tcpdump (crafted scenarios only otherwise)');
    return 2;
  }

  let current: Cleanup | null = null;
  let currentCtx: ScenarioContext | null = null;
  // on Ctrl-C or kill: undo the running scenario's servers, captures, temp dirs and namespaces,
  // and drop its half-written traces
  const emergency = (sig: string) => {
    console.error(`\n${sig}: cleaning up`);
    current?.runAllSync();
    for (const f of currentCtx?.written ?? []) rmSync(f, { force: true });
    process.exit(130);
  };
  process.on('SIGINT', () => emergency('SIGINT'));
  process.on('SIGTERM', () => emergency('SIGTERM'));
  process.on('exit', () => current?.runAllSync());

  const results: Array<{ name: string; status: string; detail: string }> = [];
  for (const s of chosen) {
    console.log(`▶ ${s.name}: ${s.title}`);
    // a capture that lost frames (kernel drops on a busy machine) is retried, up to 3 tries
    for (let attempt = 1; ; attempt++) {
      const cleanup = new Cleanup();
      current = cleanup;
      const log = (m: string) => console.log(`  [${s.name}] ${m}`);
      const ctx = new ScenarioContext(args.out, cleanup, join(tmpdir(), 'ftpdiag-capture-cache'), args.keepTemp, log);
      currentCtx = ctx;
      const t0 = Date.now();
      let retry = false;
      try {
        await s.run(ctx);
        results.push({ name: s.name, status: 'ok', detail: `${ctx.written.length} files, ${((Date.now() - t0) / 1000).toFixed(1)} s` });
      } catch (e) {
        // a half-written trace would be misleading: remove what this scenario wrote
        for (const f of ctx.written) rmSync(f, { force: true });
        if (e instanceof SkipError) results.push({ name: s.name, status: 'SKIPPED', detail: e.message });
        else if (e instanceof CaptureIncompleteError && attempt < 3) {
          log(`${e.message}: retrying`);
          retry = true;
        } else results.push({ name: s.name, status: 'FAILED', detail: (e as Error).stack ?? String(e) });
      } finally {
        await cleanup.runAll(log);
        current = null;
        currentCtx = null;
      }
      if (!retry) break;
    }
    const r = results[results.length - 1]!;
    console.log(`  ${r.status}: ${r.detail.split('\n').slice(0, r.status === 'FAILED' ? 6 : 1).join('\n    ')}`);
  }
  console.log('\nsummary');
  for (const r of results) console.log(`  ${r.status.padEnd(8)} ${r.name.padEnd(22)} ${r.detail.split('\n')[0]}`);
  return results.some((r) => r.status === 'FAILED') ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
