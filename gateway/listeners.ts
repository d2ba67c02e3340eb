/**
 * Gateway listeners. One TCP server per address and port; what a new connection gets is decided
 * by the listener's current config, so a reload can change the protocol, certificates or client
 * validation of a port without closing it (open connections keep what they started with):
 *  - http: cleartext HTTP/1.1 and HTTP/2 prior knowledge (gRPC) told apart by the preface;
 *  - h2c: cleartext HTTP/2 prior knowledge only;
 *  - https: TLS with ALPN (h2, http/1.1) and SNI: the certificate whose server_names match the
 *    client's SNI name (exact, else the longest "*.suffix" covering one label), else the first
 *    one; optionally asks for (or requires) a client certificate chaining to client_validation.ca_file.
 * Every request becomes an Exchange handed to `onExchange`.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import type { Exchange, RequestLike, ResponseLike } from '../proxy/contracts';
import { splitTarget } from '../proxy/path';
import { ReplaySocket } from '../proxy/replay-socket';
import { ConnectionDrain } from '../proxy/graceful-close';
import type { Logger } from '../observability/logger';
import type { ListenerConfig } from './schema';

export interface GatewayListener {
  readonly key: string;
  /** The listener's name in the current config. */
  readonly name: string;
  readonly port: number;
  /** Applies a (re)loaded config to new connections. Throws when certificates cannot be loaded. */
  configure(l: ListenerConfig): void;
  close(graceMs: number): Promise<void>;
}

/** Listeners with the same key are the same socket across reloads. Port 0 listeners are told apart by name. */
export function listenerKey(l: ListenerConfig): string {
  return l.port === 0 ? `${l.name}|${l.address}|0` : `${l.address}|${l.port}`;
}

function isGrpc(req: RequestLike): boolean {
  const ct = req.headers['content-type'];
  return req.httpVersionMajor === 2 && typeof ct === 'string' && ct.startsWith('application/grpc');
}

function exchangeOf(name: string, req: RequestLike, res: ResponseLike): Exchange {
  const { path, query } = splitTarget(req.url ?? '/');
  return { listener: name, protocol: isGrpc(req) ? 'grpc' : 'http', req, res, method: req.method ?? 'GET', path, query, headers: req.headers, startTime: process.hrtime.bigint() };
}

interface CertSet {
  readonly byName: Map<string, tls.SecureContext>;
  readonly wildcards: [string, tls.SecureContext][];
  readonly fallback: tls.SecureContext;
}

function loadCerts(l: ListenerConfig): CertSet {
  const byName = new Map<string, tls.SecureContext>();
  const wildcards: [string, tls.SecureContext][] = [];
  let fallback: tls.SecureContext | undefined;
  const ca = l.tls?.client_validation ? readFileSync(l.tls.client_validation.ca_file) : undefined;
  for (const c of l.tls?.certificates ?? []) {
    const ctx = tls.createSecureContext({ cert: readFileSync(c.cert_file), key: readFileSync(c.key_file), ...(ca ? { ca } : {}) });
    fallback ??= ctx;
    for (const n of c.server_names) {
      if (n.startsWith('*.')) wildcards.push([n.slice(1).toLowerCase(), ctx]);
      else byName.set(n.toLowerCase(), ctx);
    }
  }
  wildcards.sort((a, b) => b[0].length - a[0].length);
  return { byName, wildcards, fallback: fallback! };
}

function certFor(c: CertSet, name: string): tls.SecureContext {
  const n = name.toLowerCase();
  const exact = c.byName.get(n);
  if (exact) return exact;
  // "*.example.com" covers exactly one label: a.example.com, not a.b.example.com.
  const wild = c.wildcards.find(([suffix]) => n.endsWith(suffix) && n.indexOf('.') === n.length - suffix.length);
  return wild ? wild[1] : c.fallback;
}

type Acceptor = (socket: net.Socket) => void;

export function startListener(first: ListenerConfig, onExchange: (ex: Exchange) => void, logger: Logger): Promise<GatewayListener> {
  let name = first.name;
  const handle = (req: RequestLike, res: ResponseLike): void => onExchange(exchangeOf(name, req, res));
  const drain = new ConnectionDrain();
  const h1 = http.createServer({ keepAlive: true, requestTimeout: 0 }, handle);
  h1.keepAliveTimeout = 65_000;
  h1.on('clientError', (_e, s) => s.destroy());
  const h2 = http2.createServer({}, handle);
  drain.trackSessions(h2);

  const sniffing: Acceptor = (socket) => {
    socket.once('data', (bytes: Buffer) => {
      socket.pause();
      if (bytes[0] === 0x50 && (bytes.length < 2 || bytes[1] === 0x52)) {
        // "PR" of the HTTP/2 preface. node:http2 reads a real socket's handle directly, bypassing
        // unshift(): the sniffed bytes reach it through a replaying stream.
        h2.emit('connection', new ReplaySocket(socket, bytes));
        return;
      }
      socket.unshift(bytes);
      h1.emit('connection', socket);
      socket.resume();
    });
  };
  const h2only: Acceptor = (socket) => { h2.emit('connection', socket); };
  const secure = (l: ListenerConfig): Acceptor => {
    const certs = loadCerts(l);
    const defaultCert = l.tls!.certificates[0]!;
    const cv = l.tls!.client_validation;
    const server = tls.createServer({
      ALPNProtocols: ['h2', 'http/1.1'],
      cert: readFileSync(defaultCert.cert_file),
      key: readFileSync(defaultCert.key_file),
      ...(cv ? { ca: readFileSync(cv.ca_file), requestCert: true, rejectUnauthorized: cv.require } : {}),
      SNICallback: (servername, cb) => cb(null, certFor(certs, servername)),
    }, (socket) => (socket.alpnProtocol === 'h2' ? h2 : h1).emit('connection', socket));
    server.on('tlsClientError', (err: Error) => logger.debug('TLS handshake failed', { listener: l.name, error: err.message }));
    return (socket) => { server.emit('connection', socket); };
  };
  const acceptorFor = (l: ListenerConfig): Acceptor => (l.protocol === 'https' ? secure(l) : l.protocol === 'h2c' ? h2only : sniffing);

  let accept = acceptorFor(first);
  const front = net.createServer((socket) => {
    drain.trackSocket(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    accept(socket);
  });
  return new Promise((resolve, reject) => {
    front.once('error', reject);
    front.listen(first.port, first.address, () => {
      front.off('error', reject);
      const a = front.address();
      resolve({
        key: listenerKey(first),
        get name() { return name; },
        port: typeof a === 'object' && a ? a.port : first.port,
        configure: (next) => {
          accept = acceptorFor(next);
          name = next.name;
        },
        close: (graceMs) => drain.close(front, h1, graceMs),
      });
    });
  });
}
