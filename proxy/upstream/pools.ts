/**
 * Upstream clusters: one undici Pool (keep-alive HTTP/1.1 connections) per origin and expected
 * peer identity, created on first use and reused. TLS origins get the cluster's connect options
 * (mTLS between sidecars: the peer must present the SPIFFE ID of the app that was resolved, so a
 * pool is keyed by origin AND that identity; a stale address now owned by another app fails the
 * handshake instead of reaching the wrong app).
 * undici itself is loaded with the first pool: a sidecar that never calls out does not pay for it.
 */
import type { Pool, Dispatcher } from 'undici';
import type { ConnectionOptions } from 'node:tls';

/** The identity a TLS upstream must prove (mTLS). */
export interface ExpectedUpstreamPeer {
  readonly appId: string;
  readonly namespace?: string;
}

export interface PoolOptions {
  /** Max connections per origin. */
  readonly connections?: number;
  readonly keepAliveTimeoutMs?: number;
  /** TLS options for https origins (client certificate, trust anchors, peer identity check). */
  readonly tls?: (peer: ExpectedUpstreamPeer | undefined) => ConnectionOptions | undefined;
}

export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly opts: PoolOptions = {}) {}

  /** The pool for an origin such as "http://127.0.0.1:3000" (and, over TLS, the peer it must be). */
  get(origin: string, peer?: ExpectedUpstreamPeer): Dispatcher {
    const tlsOrigin = origin.startsWith('https:');
    const key = tlsOrigin && peer ? `${origin}#${peer.appId}.${peer.namespace ?? ''}` : origin;
    let pool = this.pools.get(key);
    if (!pool) {
      const tls = tlsOrigin ? this.opts.tls?.(peer) : undefined;
      const { Pool: UndiciPool } = require('undici') as typeof import('undici');
      pool = new UndiciPool(origin, {
        connections: this.opts.connections ?? 256,
        pipelining: 1,
        keepAliveTimeout: this.opts.keepAliveTimeoutMs ?? 60_000,
        keepAliveMaxTimeout: 600_000,
        headersTimeout: 0,
        bodyTimeout: 0,
        ...(tls ? { connect: tls } : {}),
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Replace every TLS pool so new connections use new credentials; in-flight requests finish. */
  rotateTls(): void {
    for (const [key, pool] of this.pools) {
      if (!key.startsWith('https:')) continue;
      this.pools.delete(key);
      void pool.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((p) => p.close().catch(() => undefined)));
  }
}
