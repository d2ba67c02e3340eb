/**
 * One HTTP/2 client session per upstream (local app or peer sidecar), shared by every proxied
 * gRPC stream to it. A session that closes, errors or receives GOAWAY is dropped from the pool;
 * the next stream dials a fresh one. h2c by default; a `tls` option switches the target to h2 over
 * TLS (the hook mTLS between sidecars will use).
 */
import * as http2 from 'node:http2';
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from '../../observability/logger';

export interface UpstreamTarget {
  readonly host: string;
  readonly port: number;
  /** Present: dial TLS with these options (ALPN h2). Absent: cleartext HTTP/2 (h2c). */
  readonly tls?: ConnectionOptions;
}

export class UpstreamSessions {
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();

  constructor(private readonly logger: Logger) {}

  /** The live session for a target, dialling one if needed. */
  get(target: UpstreamTarget): http2.ClientHttp2Session {
    const key = `${target.tls ? 'https' : 'http'}://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
    const existing = this.sessions.get(key);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const session = target.tls ? http2.connect(key, { ...target.tls, ALPNProtocols: ['h2'] }) : http2.connect(key);
    const drop = (): void => {
      if (this.sessions.get(key) === session) this.sessions.delete(key);
    };
    session.on('error', (err) => {
      drop();
      this.logger.debug('upstream gRPC session error', { upstream: key, err });
    });
    session.on('goaway', drop);
    session.on('close', drop);
    // Servers keep the process alive; an idle pooled upstream connection must not.
    session.unref();
    this.sessions.set(key, session);
    return session;
  }

  /** Closes every session (in-flight streams finish; no new ones start). */
  close(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}
