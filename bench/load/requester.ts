/**
 * One request to the target, as a promise of an error description (undefined = success).
 * HTTP: undici Pool with `connections` keep-alive sockets, no pipelining.
 * store-direct: the store's own Node client in this process (state baseline).
 * pubsub-direct: the broker's own Node client in this process (pub/sub publish baseline).
 * gRPC: lean node:http2 client (grpc-h2.ts) for load; grpc-js channels for the probe, so a
 * target must also satisfy the reference client before it is measured.
 */
import { Pool } from 'undici';
import * as grpc from '@grpc/grpc-js';
import type { TargetSpec, HttpTargetSpec, GrpcTargetSpec } from './types';
import { grpcH2Requester } from './grpc-h2';
import { storeDirectRequester } from './store-direct';
import { pubsubDirectRequester } from './pubsub-direct';

export interface Requester {
  send(): Promise<string | undefined>;
  close(): Promise<void>;
}

function httpRequester(t: HttpTargetSpec, connections: number, timeoutMs: number, expectBytes: number): Requester {
  const pool = new Pool(`http://127.0.0.1:${t.port}`, {
    connections,
    pipelining: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 30_000,
  });
  const method = t.method ?? 'GET';
  const okStatus = t.expectStatus ?? 200;
  let n = 0;
  const keyed = (x: string): string => (t.keyCount ? x.replaceAll('{key}', `${t.keyPrefix ?? ''}${n % t.keyCount}`) : x);
  return {
    async send() {
      try {
        n++;
        const res = await pool.request({ path: keyed(t.path), method, headers: t.headers, ...(t.body !== undefined ? { body: keyed(t.body) } : {}) });
        let bytes = 0;
        let head = '';
        for await (const chunk of res.body) {
          bytes += (chunk as Buffer).length;
          if (res.statusCode !== okStatus && head.length < 160) head += (chunk as Buffer).toString('utf8', 0, 160);
        }
        if (res.statusCode !== okStatus) return `status ${res.statusCode}${head ? `: ${head.slice(0, 160)}` : ''}`;
        if (expectBytes > 0 && bytes !== expectBytes) return `body ${bytes} bytes, expected ${expectBytes}`;
        return undefined;
      } catch (e) {
        const err = e as { code?: string; message?: string };
        return err.code ?? err.message ?? 'request failed';
      }
    },
    async close() {
      await pool.destroy();
    },
  };
}

const passThrough = (b: Buffer): Buffer => b;

function grpcRequester(t: GrpcTargetSpec, connections: number, timeoutMs: number, expectBytes: number): Requester {
  const clients: grpc.Client[] = [];
  for (let i = 0; i < Math.max(1, connections); i++) {
    // A local subchannel pool per client gives each its own HTTP/2 connection.
    clients.push(new grpc.Client(`127.0.0.1:${t.port}`, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
  }
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(t.metadata)) md.set(k, v);
  const payload = Buffer.from('ping');
  let next = 0;
  return {
    send() {
      const client = clients[next++ % clients.length];
      return new Promise((resolve) => {
        client.makeUnaryRequest(t.method, passThrough, passThrough, payload, md, { deadline: Date.now() + timeoutMs }, (err, value) => {
          if (err) resolve(`grpc ${grpc.status[err.code] ?? err.code}: ${err.details}`);
          else if (expectBytes > 0 && (value?.length ?? 0) !== expectBytes) resolve(`body ${value?.length ?? 0} bytes, expected ${expectBytes}`);
          else resolve(undefined);
        });
      });
    },
    async close() {
      for (const c of clients) c.close();
    },
  };
}

/** `grpcClient: 'grpc-js'` uses the reference client (probes); load uses the lean HTTP/2 one. */
export function createRequester(t: TargetSpec, connections: number, timeoutMs: number, expectBytes: number, grpcClient: 'h2' | 'grpc-js' = 'h2'): Requester {
  if (t.protocol === 'http') return httpRequester(t, connections, timeoutMs, expectBytes);
  if (t.protocol === 'store-direct') return storeDirectRequester(t, timeoutMs, expectBytes);
  if (t.protocol === 'pubsub-direct') return pubsubDirectRequester(t, timeoutMs);
  return grpcClient === 'h2' ? grpcH2Requester(t, connections, timeoutMs, expectBytes) : grpcRequester(t, connections, timeoutMs, expectBytes);
}
