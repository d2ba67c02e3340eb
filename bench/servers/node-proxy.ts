/**
 * The Node reverse proxies users would pick instead of a sidecar, one per process:
 *   minimal     node:http server + undici Pool
 *   fastify     fastify + @fastify/http-proxy (undici underneath)
 *   http-proxy  node:http server + http-proxy with a keep-alive agent
 * Usage: node node-proxy.js '<ProxyConfig JSON>'. With `listenTls` the listener is HTTPS and
 * requires a client certificate signed by the CA; with `upstreamTls` the upstream hop is HTTPS
 * (HTTP/1.1 keep-alive) presenting the client certificate: mTLS between two hops.
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { Pool } from 'undici';
import type HttpProxy from 'http-proxy';

export interface TlsFiles {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export interface ProxyConfig {
  readonly mode: 'minimal' | 'fastify' | 'http-proxy';
  readonly listenPort: number;
  readonly upstreamPort: number;
  readonly connections: number;
  readonly listenTls?: TlsFiles;
  readonly upstreamTls?: TlsFiles;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as ProxyConfig;
const load = (t: TlsFiles): { ca: Buffer; cert: Buffer; key: Buffer } => ({
  ca: readFileSync(t.ca),
  cert: readFileSync(t.cert),
  key: readFileSync(t.key),
});
const serverTls = cfg.listenTls ? { ...load(cfg.listenTls), requestCert: true, rejectUnauthorized: true } : undefined;
const clientTls = cfg.upstreamTls ? { ...load(cfg.upstreamTls), servername: 'localhost', rejectUnauthorized: true } : undefined;
const upstreamOrigin = `${clientTls ? 'https' : 'http'}://127.0.0.1:${cfg.upstreamPort}`;

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

function listen(handler: Handler): http.Server {
  const server = serverTls ? https.createServer(serverTls, handler) : http.createServer(handler);
  server.keepAliveTimeout = 60_000;
  server.listen(cfg.listenPort, '127.0.0.1');
  return server;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host']);

function startMinimal(): void {
  const pool = new Pool(upstreamOrigin, { connections: cfg.connections, pipelining: 1, connect: clientTls });
  listen((req, res) => {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    pool.request({ path: req.url ?? '/', method: (req.method ?? 'GET') as 'GET', headers, body: hasBody ? req : undefined }).then(
      (up) => {
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
        res.writeHead(up.statusCode, out);
        up.body.pipe(res);
      },
      () => {
        res.statusCode = 502;
        res.end();
      },
    );
  });
}

async function startFastify(): Promise<void> {
  const { fastify: Fastify } = await import('fastify');
  const { fastifyHttpProxy: proxy } = await import('@fastify/http-proxy');
  // One instance type for both listeners (the union of fastify's https/http types is not callable).
  const opts = serverTls ? { logger: false, https: serverTls } : { logger: false };
  const app = Fastify(opts as { logger: false });
  await app.register(proxy, {
    upstream: upstreamOrigin,
    undici: { connections: cfg.connections, pipelining: 1, ...(clientTls ? { connect: clientTls } : {}) },
  });
  await app.listen({ port: cfg.listenPort, host: '127.0.0.1' });
}

async function startHttpProxy(): Promise<void> {
  // Loaded lazily so the other modes do not carry it; `export =` module.
  const httpProxy = require('http-proxy') as typeof HttpProxy;
  const agent = clientTls
    ? new https.Agent({ keepAlive: true, maxSockets: cfg.connections, ...clientTls })
    : new http.Agent({ keepAlive: true, maxSockets: cfg.connections });
  const proxy = httpProxy.createProxyServer({ target: upstreamOrigin, agent, secure: true, ...(clientTls ? { ca: clientTls.ca } : {}) });
  proxy.on('error', (_err, _req, res) => {
    if (res instanceof http.ServerResponse && !res.headersSent) {
      res.statusCode = 502;
      res.end();
    }
  });
  listen((req, res) => proxy.web(req, res));
}

const starters: Record<ProxyConfig['mode'], () => void | Promise<void>> = {
  minimal: startMinimal,
  fastify: startFastify,
  'http-proxy': startHttpProxy,
};
Promise.resolve(starters[cfg.mode]()).catch((e: Error) => {
  process.stderr.write(`node-proxy ${cfg.mode}: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
process.on('SIGTERM', () => process.exit(0));
