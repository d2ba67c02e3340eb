/**
 * Draining a listener that serves HTTP/1.1 and HTTP/2 from one accepting server (the sidecar's
 * internal listener, the gateway's listeners). Tracks accepted connections and HTTP/2 sessions;
 * close() stops accepting, sends GOAWAY to every HTTP/2 session, closes idle HTTP/1.1 keep-alive
 * connections (and keeps sweeping them as their in-flight requests finish), and destroys whatever
 * is still open when the grace period ends.
 */
import type http from 'node:http';
import type http2 from 'node:http2';
import type net from 'node:net';

const IDLE_SWEEP_MS = 50;

export class ConnectionDrain {
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<http2.Http2Session>();

  /** Call for every accepted connection. */
  trackSocket(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** Tracks the sessions an HTTP/2 server creates. */
  trackSessions(server: http2.Http2Server | http2.Http2SecureServer): void {
    server.on('session', (s: http2.Http2Session) => {
      this.sessions.add(s);
      s.once('close', () => this.sessions.delete(s));
    });
  }

  /** Open connections (for tests and stats). */
  get connections(): number {
    return this.sockets.size;
  }

  /** Stops `front` accepting and resolves once every connection is gone (or the grace ran out). */
  close(front: net.Server, h1: http.Server | undefined, graceMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { for (const s of this.sockets) s.destroy(); }, graceMs);
      timer.unref();
      for (const s of this.sessions) s.close();
      h1?.closeIdleConnections();
      const sweep = h1 ? setInterval(() => h1.closeIdleConnections(), IDLE_SWEEP_MS) : undefined;
      sweep?.unref();
      front.close(() => { clearTimeout(timer); clearInterval(sweep); resolve(); });
    });
  }
}
