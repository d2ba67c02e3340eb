/**
 * nginx as a reverse proxy: one hop (plain HTTP), and two hops (two nginx instances) with mTLS
 * between them over HTTP/1.1 keep-alive. One worker process each, as the sidecars have one
 * event loop each. keepalive_requests is raised so neither side recycles connections mid-run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../proc/net';
import { findCommand, startSut } from './start-process';
import type { StartOutcome, TargetContext, TargetDef } from './types';
import type { Launched } from '../proc/processes';

export interface HopConf {
  listen: string;
  upstreamPort: number;
  upstreamScheme: 'http' | 'https';
  tlsDirectives: string;
  /** gRPC over h2c on both sides (listen ... http2, grpc_pass) instead of HTTP/1.1 proxying. */
  grpc?: boolean;
}

function location(hop: HopConf): string {
  if (hop.grpc) return '      grpc_pass grpc://up;\n';
  return `      proxy_pass ${hop.upstreamScheme}://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
${hop.upstreamScheme === 'https' ? '      include upstream-tls.conf;\n' : ''}`;
}

function config(dir: string, hop: HopConf): string {
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  upstream up {
    server 127.0.0.1:${hop.upstreamPort};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen ${hop.listen}${hop.grpc ? ' http2' : ''};
${hop.tlsDirectives}
    location / {
${location(hop)}    }
  }
}
`;
}

export async function startNginx(ctx: TargetContext, bin: string, name: string, hop: HopConf, extraFiles: Record<string, string> = {}) {
  const dir = join(ctx.tmpDir, name);
  await mkdir(dir, { recursive: true });
  for (const [f, body] of Object.entries(extraFiles)) await writeFile(join(dir, f), body);
  const file = join(dir, 'nginx.conf');
  await writeFile(file, config(dir, hop));
  const port = Number(hop.listen.split(':')[1].split(' ')[0]);
  return startSut(ctx, name, bin, ['-p', dir, '-c', file, '-e', join(dir, 'error.log'), '-g', 'daemon off;'], port);
}

export async function nginxBin(): Promise<string | undefined> {
  return findCommand('nginx');
}

export const nginxOneHop: TargetDef = {
  name: 'nginx',
  title: 'nginx reverse proxy, one hop',
  protocol: 'http',
  hops: 1,
  security: 'plain HTTP',
  async start(ctx): Promise<StartOutcome> {
    const bin = await nginxBin();
    if (!bin) return { ok: false, unavailable: 'nginx not installed (run bench/setup.sh)' };
    const port = await freePort();
    const r = await startNginx(ctx, bin, 'nginx-1hop', { listen: `127.0.0.1:${port}`, upstreamPort: ctx.appPort, upstreamScheme: 'http', tlsDirectives: '' });
    if (!r.ok) return { ok: false, unavailable: r.reason };
    return { ok: true, running: { load: { protocol: 'http', port, path: '/hello', headers: {} }, sut: [r.proc], notes: [] } };
  },
};

export const nginxTwoHopsMtls: TargetDef = {
  name: 'nginx-2hop-mtls',
  title: 'two nginx hops, mTLS between them',
  protocol: 'http',
  hops: 2,
  security: 'mTLS (TLS 1.3, P-256) between hops, HTTP/1.1 keep-alive',
  async start(ctx): Promise<StartOutcome> {
    const bin = await nginxBin();
    if (!bin) return { ok: false, unavailable: 'nginx not installed (run bench/setup.sh)' };
    const c = await ctx.certs();
    const [portA, portB] = [await freePort(), await freePort()];
    const serverTls = `    ssl_certificate ${c.serverCert};
    ssl_certificate_key ${c.serverKey};
    ssl_client_certificate ${c.ca};
    ssl_verify_client on;
    ssl_protocols TLSv1.3;
    ssl_session_cache shared:SSL:1m;`;
    const b = await startNginx(ctx, bin, 'nginx-hop-b', { listen: `127.0.0.1:${portB} ssl`, upstreamPort: ctx.appPort, upstreamScheme: 'http', tlsDirectives: serverTls });
    if (!b.ok) return { ok: false, unavailable: b.reason };
    const upstreamTls = `proxy_ssl_certificate ${c.clientCert};
proxy_ssl_certificate_key ${c.clientKey};
proxy_ssl_trusted_certificate ${c.ca};
proxy_ssl_verify on;
proxy_ssl_name localhost;
proxy_ssl_server_name on;
proxy_ssl_session_reuse on;
proxy_ssl_protocols TLSv1.3;
`;
    const a = await startNginx(ctx, bin, 'nginx-hop-a', { listen: `127.0.0.1:${portA}`, upstreamPort: portB, upstreamScheme: 'https', tlsDirectives: '' }, { 'upstream-tls.conf': upstreamTls });
    if (!a.ok) {
      await b.proc.stop();
      return { ok: false, unavailable: a.reason };
    }
    const sut: Launched[] = [a.proc, b.proc];
    return { ok: true, running: { load: { protocol: 'http', port: portA, path: '/hello', headers: {} }, sut, notes: [] } };
  },
};
