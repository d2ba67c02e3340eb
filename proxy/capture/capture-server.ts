/**
 * The common part of both capture listeners: a TCP server that, per connection, decides between
 * HTTP handling (the socket is handed to an internal HTTP/1.1 server) and a plain TCP relay.
 * Tracks sockets so close() can drain and then cut what remains.
 */
import http from 'node:http';
import net from 'node:net';
import type { Logger } from '../../observability/logger';

export interface CaptureServer {
  readonly tcp: net.Server;
  readonly http: http.Server;
  listen(host: string, port: number): Promise<number>;
  inFlight(): number;
  close(graceMs: number): Promise<void>;
}

export function createCaptureServer(
  maxHeaderSize: number,
  logger: Logger,
  onSocket: (socket: net.Socket, server: http.Server) => void,
  onRequest: (req: http.IncomingMessage, res: http.ServerResponse) => void,
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
  const tcp = net.createServer({ pauseOnConnect: true }, (socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', (err) => logger.debug('captured connection error', { error: err.message }));
    try {
      onSocket(socket, h1);
    } catch (err) {
      logger.error('capture: unexpected error', { error: (err as Error).message });
      socket.destroy();
    }
  });
  return {
    tcp,
    http: h1,
    inFlight: () => active,
    listen: (host, port) => new Promise((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, host, () => {
        tcp.off('error', reject);
        const a = tcp.address();
        resolve(typeof a === 'object' && a ? a.port : port);
      });
    }),
    close: (graceMs) => new Promise((resolve) => {
      const timer = setTimeout(() => { for (const s of sockets) s.destroy(); }, graceMs);
      timer.unref();
      h1.closeIdleConnections();
      const sweep = setInterval(() => h1.closeIdleConnections(), 50);
      sweep.unref();
      tcp.close(() => { clearTimeout(timer); clearInterval(sweep); resolve(); });
      if (sockets.size === 0) { clearTimeout(timer); }
    }),
  };
}
