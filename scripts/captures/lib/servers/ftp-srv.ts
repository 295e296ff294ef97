// ftp-srv (Node) in the recorder's own process: the in-process Node pair of scenario 1.
// Anonymous USER gets 230 at once (ftp-srv skips PASS for it); other users need PASS and are
// accepted only with `password`.

import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { FtpSrv } from 'ftp-srv';
import type { ScenarioContext } from '../context.ts';
import { freePort, freeRange } from '../net-util.ts';
import type { RunningServer } from './server.ts';

const require = createRequire(import.meta.url);

export interface FtpSrvOptions {
  host: string;
  port?: number; //     default: a free high port (no port 21: traces where only content says FTP)
  files?: Record<string, Buffer>;
  tls?: { cert: string; key: string };
  password?: string; // password of user 'ftpdiag' (default 'secret')
  // ftp-srv 4.6 answers PASV from a loopback/private client with the CLIENT's address when
  // pasv_url is a string (helpers/is-local): wrong as soon as the server listens on another
  // address. By default we pass pasv_url as a function returning our address, which it uses as
  // is; `pasvQuirk: true` keeps the string form to record the quirk.
  pasvQuirk?: boolean;
}

export function ftpSrvVersion(): string {
  const pkg = JSON.parse(readFileSync(require.resolve('ftp-srv/package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export async function startFtpSrv(ctx: ScenarioContext, o: FtpSrvOptions): Promise<RunningServer> {
  const bunyan = require('bunyan') as { createLogger(o: { name: string; level: string }): unknown };
  const root = ctx.tmpDir('ftpsrv');
  chmodSync(root, 0o755);
  for (const [name, data] of Object.entries(o.files ?? {})) writeFileSync(join(root, name), data);
  const port = o.port ?? (await freePort(o.host));
  const [pasvMin, pasvMax] = await freeRange(o.host, 20);
  const password = o.password ?? 'secret';
  const events: string[] = [];

  // ftp-srv installs SIGINT/SIGTERM handlers that call process.exit: they would bypass the
  // recorder's cleanup, so they are removed again right after construction.
  const before = new Map((['SIGINT', 'SIGTERM', 'SIGQUIT'] as const).map((s) => [s, new Set(process.listeners(s))]));
  const server = new FtpSrv({
    url: `ftp://${o.host}:${port}`,
    // the typings only know the string form; ftp-srv calls a function with the client's IP
    pasv_url: (o.pasvQuirk ? o.host : () => o.host) as unknown as string,
    pasv_min: pasvMin,
    pasv_max: pasvMax,
    anonymous: true,
    greeting: 'ftpdiag capture ftp-srv',
    log: bunyan.createLogger({ name: 'ftpdiag-capture', level: 'fatal' }),
    ...(o.tls ? { tls: { cert: readFileSync(o.tls.cert), key: readFileSync(o.tls.key) } } : {}),
  });
  for (const [sig, had] of before) for (const l of process.listeners(sig)) if (!had.has(l)) process.removeListener(sig, l);

  server.on('login', ({ username, password: given }, resolve, reject) => {
    events.push(`login ${username}`);
    if (username === 'anonymous' || given === password) resolve({ root, cwd: '/' });
    else reject(new Error('Login incorrect'));
  });
  server.on('client-error', ({ context, error }) => events.push(`client-error ${context}: ${error.message}`));
  await server.listen();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.race([server.close(), new Promise((r) => setTimeout(r, 2000))]);
  };
  ctx.cleanup.defer('ftp-srv', stop, () => void server.close());
  return {
    software: 'ftp-srv',
    version: ftpSrvVersion(),
    host: o.host,
    port,
    root,
    uploadPrefix: '',
    user: 'anonymous',
    password: '',
    config: { url: `ftp://${o.host}:${port}`, pasv_url: o.pasvQuirk ? o.host : `() => '${o.host}'`, pasv_min: pasvMin, pasv_max: pasvMax, anonymous: true, tls: Boolean(o.tls) },
    logLines: () => events.slice(),
    stop,
  };
}
