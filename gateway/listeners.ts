/**
 * Gateway listeners. One TCP port per listener:
 *  - http / h2c: cleartext; HTTP/1.1 and HTTP/2 prior knowledge (gRPC) told apart by the preface;
 *  - https: TLS with ALPN (h2, http/1.1) and SNI: the certificate whose server_names match the
 *    client's SNI name (exact or "*.suffix"), else the first one. Certificates can be swapped on
 *    reload without dropping connections.
 * Every request becomes an Exchange handed to `onExchange`.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import type { Exchange, RequestLike, ResponseLike } from '../proxy/contracts';
import { splitTarget } from '../proxy/path';
import type { ListenerConfig } from './schema';

export interface GatewayListener {
  readonly key: string;
  readonly port: number;
  setCertificates(l: ListenerConfig): void;
  close(graceMs: number): Promise<void>;
}

/** Listeners with the same key survive a reload (same address, port and protocol). */
export function listenerKey(l: ListenerConfig): string {
  return `${l.name}|${l.address}|${l.port}|${l.protocol}`;
}

function exchangeOf(name: string, req: RequestLike, res: ResponseLike): Exchange {
  const { path, query } = splitTarget(req.url ?? '/');
  const ct = req.headers['content-type'];
  const grpc = req.httpVersionMajor === 2 && typeof ct === 'string' && ct.startsWith('application/grpc');
  return { listener: name, protocol: grpc ? 'grpc' : 'http', req, res, method: req.method ?? 'GET', path, query, headers: req.headers, startTime: process.hrtime.bigint() };
}

interface CertSet { byName: Map<string, tls.SecureContext>; wildcards: [string, tls.SecureContext][]; fallback: tls.SecureContext }

function loadCerts(l: ListenerConfig): CertSet {
  const byName = new Map<string, tls.SecureContext>();
  const wildcards: [string, tls.SecureContext][] = [];
  let fallback: tls.SecureContext | undefined;
  for (const c of l.tls?.certificates ?? []) {
    const ctx = tls.createSecureContext({ cert: readFileSync(c.cert_file), key: readFileSync(c.key_file) });
    fallback ??= ctx;
    for (const n of c.server_names) {
      if (n.startsWith('*.')) wildcards.push([n.slice(1).toLowerCase(), ctx]);
      else byName.set(n.toLowerCase(), ctx);
    }
  }
  return { byName, wildcards, fallback: fallback! };
}

export function startListener(l: ListenerConfig, onExchange: (ex: Exchange) => void): Promise<GatewayListener> {
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.Http2Session>();
  const handle = (req: RequestLike, res: ResponseLike): void => onExchange(exchangeOf(l.name, req, res));
  const h1 = http.createServer({ keepAlive: true, requestTimeout: 0 }, handle);
  h1.on('clientError', (_e, s) => s.destroy());
  let front: net.Server;
  let certs: CertSet | undefined;
  if (l.protocol === 'https') {
    certs = loadCerts(l);
    const secure = http2.createSecureServer({
      allowHTTP1: true,
      SNICallback: (name, cb) => {
        const c = certs!;
        const n = name.toLowerCase();
        const exact = c.byName.get(n);
        if (exact) return cb(null, exact);
        const wild = c.wildcards.find(([suffix]) => n.endsWith(suffix) && n.indexOf('.') === n.length - suffix.length);
        cb(null, wild ? wild[1] : c.fallback);
      },
      cert: readFileSync(l.tls!.certificates[0]!.cert_file),
      key: readFileSync(l.tls!.certificates[0]!.key_file),
    }, handle);
    secure.on('session', (s: http2.Http2Session) => { sessions.add(s); s.once('close', () => sessions.delete(s)); });
    front = secure;
  } else {
    const h2 = http2.createServer({}, handle);
    h2.on('session', (s: http2.Http2Session) => { sessions.add(s); s.once('close', () => sessions.delete(s)); });
    front = net.createServer((socket) => {
      socket.once('data', (first: Buffer) => {
        socket.pause();
        socket.unshift(first);
        (first[0] === 0x50 && first[1] === 0x52 ? h2 : h1).emit('connection', socket);
        socket.resume();
      });
    });
  }
  front.on('connection', (s: net.Socket) => { sockets.add(s); s.once('close', () => sockets.delete(s)); });
  return new Promise((resolve, reject) => {
    front.once('error', reject);
    front.listen(l.port, l.address, () => {
      front.off('error', reject);
      const a = front.address();
      resolve({
        key: listenerKey(l),
        port: typeof a === 'object' && a ? a.port : l.port,
        setCertificates: (next) => { if (certs) certs = loadCerts(next); },
        close: (graceMs) => new Promise((done) => {
          const timer = setTimeout(() => { for (const s of sockets) s.destroy(); }, graceMs);
          timer.unref();
          for (const s of sessions) s.close();
          h1.closeIdleConnections();
          const sweep = setInterval(() => h1.closeIdleConnections(), 50);
          sweep.unref();
          front.close(() => { clearTimeout(timer); clearInterval(sweep); done(); });
        }),
      });
    });
  });
}
