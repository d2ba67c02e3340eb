/**
 * The common part of both capture listeners: a TCP server that, per connection, decides between
 * HTTP handling (the socket is handed to an internal HTTP/1.1 or HTTP/2 server) and a plain TCP
 * relay. It can accept on several addresses (127.0.0.1 and ::1: iptables REDIRECT sends IPv4 and
 * IPv6 to different loopback addresses) with one port. Tracks sockets so close() can drain and
 * then cut what remains.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { Logger } from '../../observability/logger';

/** One address to accept on; an optional one that cannot be bound (no IPv6 here) is skipped. */
export interface ListenAddress {
  readonly host: string;
  readonly optional?: boolean;
  /** Tried instead when binding `host` fails (e.g. "::" -> "0.0.0.0" where IPv6 is off). */
  readonly fallback?: string;
}

export interface ListenResult {
  readonly port: number;
  /** Addresses actually bound, e.g. ["127.0.0.1", "::1"]. */
  readonly bound: readonly string[];
  /** Addresses skipped, with why. */
  readonly skipped: readonly { readonly host: string; readonly reason: string }[];
}

export interface CaptureServer {
  readonly http: http.Server;
  /** HTTP/2 (h2c) server for connections handed over with `onSocket`'s h2 argument. */
  readonly http2: http2.Http2Server;
  listen(addresses: readonly ListenAddress[], port: number): Promise<ListenResult>;
  inFlight(): number;
  close(graceMs: number): Promise<void>;
}

export function createCaptureServer(
  maxHeaderSize: number,
  logger: Logger,
  onSocket: (socket: net.Socket, server: http.Server, h2: http2.Http2Server) => void,
  onRequest: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  onH2Request?: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
): CaptureServer {
  let active = 0;
  const sockets = new Set<net.Socket>();
  const h1 = http.createServer({ maxHeaderSize, keepAlive: true, requestTimeout: 0 }, (req, res) => {
    active++;
    res.once('close', () => { active--; });
    onRequest(req, res);
  });
  h1.keepAliveTimeout = 65_000;
  h1.on('clientError', (_e, socket) => socket.destroy());
  const h2 = http2.createServer({ settings: { maxHeaderListSize: maxHeaderSize } });
  const h2Sessions = new Set<http2.ServerHttp2Session>();
  h2.on('session', (s) => { h2Sessions.add(s); s.once('close', () => h2Sessions.delete(s)); });
  h2.on('sessionError', (err) => logger.debug('captured HTTP/2 session error', { error: err.message }));
  h2.on('request', (req, res) => {
    active++;
    res.once('close', () => { active--; });
    if (onH2Request) onH2Request(req, res);
    else res.stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
  });
  const servers: net.Server[] = [];
  const onConnection = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', (err) => logger.debug('captured connection error', { error: err.message }));
    try {
      onSocket(socket, h1, h2);
    } catch (err) {
      logger.error('capture: unexpected error', { error: (err as Error).message });
      socket.destroy();
    }
  };
  const bind = (host: string, port: number): Promise<net.Server> => new Promise((resolve, reject) => {
    const tcp = net.createServer({ pauseOnConnect: true }, onConnection);
    tcp.once('error', reject);
    tcp.listen(port, host, () => {
      tcp.off('error', reject);
      resolve(tcp);
    });
  });
  const listen = async (addresses: readonly ListenAddress[], wanted: number): Promise<ListenResult> => {
    let port = wanted;
    const bound: string[] = [];
    const skipped: { host: string; reason: string }[] = [];
    try {
      for (const a of addresses) {
        let server: net.Server | undefined;
        let host = a.host;
        try {
          server = await bind(host, port);
        } catch (err) {
          const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
          // Only a missing address family is skipped; a port in use is an error everywhere.
          const familyMissing = reason === 'EAFNOSUPPORT' || reason === 'EADDRNOTAVAIL';
          if (!familyMissing) throw err;
          if (a.fallback !== undefined) {
            host = a.fallback;
            server = await bind(host, port);
            skipped.push({ host: a.host, reason });
          } else if (a.optional) {
            skipped.push({ host: a.host, reason });
            continue;
          } else {
            throw err;
          }
        }
        servers.push(server);
        bound.push(host);
        const addr = server.address();
        // Port 0 (tests): the first address picks the port, the others take the same one.
        if (port === 0 && typeof addr === 'object' && addr) port = addr.port;
      }
    } catch (err) {
      for (const s of servers.splice(0)) s.close();
      throw err;
    }
    return { port, bound, skipped };
  };
  return {
    http: h1,
    http2: h2,
    inFlight: () => active,
    listen,
    close: (graceMs) => new Promise((resolve) => {
      const timer = setTimeout(() => { for (const s of sockets) s.destroy(); }, graceMs);
      timer.unref();
      h1.closeIdleConnections();
      for (const s of h2Sessions) s.close(); // GOAWAY: open streams finish, no new ones
      const sweep = setInterval(() => h1.closeIdleConnections(), 50);
      sweep.unref();
      let open = servers.length;
      const done = (): void => { clearTimeout(timer); clearInterval(sweep); resolve(); };
      if (open === 0) return done();
      for (const s of servers) s.close(() => { if (--open === 0) done(); });
    }),
  };
}
