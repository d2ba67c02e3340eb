/** haproxy as a reverse proxy, one hop, one thread, server-side keep-alive reuse. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../proc/net';
import { findCommand, startSut } from './start-process';
import type { StartOutcome, TargetDef } from './types';

export const haproxyOneHop: TargetDef = {
  name: 'haproxy',
  title: 'haproxy reverse proxy, one hop',
  protocol: 'http',
  hops: 1,
  security: 'plain HTTP',
  async start(ctx): Promise<StartOutcome> {
    const bin = await findCommand('haproxy');
    if (!bin) return { ok: false, unavailable: 'haproxy not installed (run bench/setup.sh)' };
    const port = await freePort();
    const dir = join(ctx.tmpDir, 'haproxy');
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'haproxy.cfg');
    await writeFile(file, `global
  nbthread 1
  maxconn 4000
defaults
  mode http
  timeout connect 5s
  timeout client 120s
  timeout server 120s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:${port}
  default_backend be
backend be
  http-reuse always
  server app 127.0.0.1:${ctx.appPort}
`);
    const r = await startSut(ctx, 'haproxy', bin, ['-db', '-f', file], port);
    if (!r.ok) return { ok: false, unavailable: r.reason };
    return { ok: true, running: { load: { protocol: 'http', port, path: '/hello', headers: {} }, sut: [r.proc], notes: [] } };
  },
};
