/**
 * Upstream clusters of one config version: static endpoints, a resolver of discovery/registry.ts
 * (endpoints are sidecars' internal listeners: the request carries dapr-callee-* headers), or a
 * Dapr app id through a sidecar's invoke API. Load balancing per lb_policy. Connection pools are
 * shared across config versions (UpstreamPools), so a reload keeps warm connections.
 */
import type { Dispatcher } from 'undici';
import type { UpstreamPools } from '../proxy/upstream/pools';
import type { Resolver } from '../discovery/contract';
import { builtinResolvers } from '../discovery/registry';
import type { Logger } from '../observability/logger';
import type { ClusterConfig } from './schema';

export interface UpstreamPick {
  /** The endpoint, e.g. http://10.0.0.5:3000. */
  readonly origin: string;
  readonly host: string;
  readonly port: number;
  /** The HTTP/1.1 connection pool of the endpoint (http1 clusters). */
  readonly dispatcher: Dispatcher;
  /** Prepended to the (rewritten) request path. */
  readonly pathPrefix: string;
  /** Added to the upstream request. */
  readonly headers: Readonly<Record<string, string>>;
  /** Call when the request finished (least_request accounting). */
  release(): void;
}

export type PickResult = { readonly ok: true; readonly pick: UpstreamPick } | { readonly ok: false; readonly message: string };

export interface Cluster {
  readonly name: string;
  /** http1: undici pools; h2c: HTTP/2 sessions (gRPC). */
  readonly protocol: ClusterConfig['protocol'];
  readonly tls: boolean;
  pick(): Promise<PickResult>;
  /** Settles when the cluster can pick; rejects when its resolver could not start (e.g. DNS unreachable). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

interface Origin { readonly origin: string; readonly host: string; readonly port: number; active: number }

function originOf(host: string, port: number, tls: boolean): Origin {
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  const h = bare.includes(':') ? `[${bare}]` : bare;
  return { origin: `${tls ? 'https' : 'http'}://${h}:${port}`, host: bare, port, active: 0 };
}

class Balancer {
  private rr = 0;
  constructor(private readonly policy: ClusterConfig['lb_policy']) {}
  choose(list: readonly Origin[]): Origin {
    if (list.length === 1) return list[0]!;
    if (this.policy === 'random') return list[Math.floor(Math.random() * list.length)]!;
    if (this.policy === 'least_request') {
      // Power of two choices, as Envoy does.
      const a = list[Math.floor(Math.random() * list.length)]!;
      const b = list[Math.floor(Math.random() * list.length)]!;
      return a.active <= b.active ? a : b;
    }
    this.rr = (this.rr + 1) % 1_000_000;
    return list[this.rr % list.length]!;
  }
}

export function createCluster(c: ClusterConfig, pools: UpstreamPools, gatewayName: string, logger: Logger): Cluster {
  const lb = new Balancer(c.lb_policy);
  const pickFrom = (list: Origin[], pathPrefix: string, headers: Record<string, string>): PickResult => {
    const o = lb.choose(list);
    o.active++;
    let released = false;
    return {
      ok: true,
      pick: {
        origin: o.origin, host: o.host, port: o.port, pathPrefix, headers,
        get dispatcher() { return pools.get(o.origin); },
        release: () => { if (!released) { released = true; o.active--; } },
      },
    };
  };
  const base = { name: c.name, protocol: c.protocol, tls: c.tls };
  if (c.endpoints) {
    const list: Origin[] = c.endpoints.map((e) => {
      if (typeof e !== 'string') return originOf(e.address, e.port, c.tls);
      const i = e.lastIndexOf(':');
      return originOf(e.slice(0, i), Number(e.slice(i + 1)), c.tls);
    });
    return { ...base, pick: async () => pickFrom(list, '', {}), ready: async () => undefined, close: async () => undefined };
  }
  if (c.dapr) {
    const d = c.dapr;
    const url = new URL(d.sidecar);
    const list: Origin[] = [originOf(url.hostname, Number(url.port || (url.protocol === 'https:' ? 443 : 80)), url.protocol === 'https:')];
    const headers: Record<string, string> = d.mode === 'header' ? { 'dapr-app-id': d.app_id } : {};
    if (d.api_token) headers['dapr-api-token'] = d.api_token;
    const prefix = d.mode === 'invoke' ? `/v1.0/invoke/${encodeURIComponent(d.app_id)}/method` : '';
    return { ...base, tls: url.protocol === 'https:', pick: async () => pickFrom(list, prefix, headers), ready: async () => undefined, close: async () => undefined };
  }
  const disc = c.discovery!;
  const created = builtinResolvers().create(disc.resolver, disc.configuration, logger.child(`cluster.${c.name}`));
  if (!created.ok) {
    // load.ts checked the name; a bad configuration surfaces per request (and in the start-up log).
    logger.error(`cluster ${c.name}: ${created.message}`);
    return { ...base, pick: async () => ({ ok: false, message: created.message }), ready: async () => { throw new Error(created.message); }, close: async () => undefined };
  }
  const resolver: Resolver = created.resolver;
  const started = resolver.init({ appId: gatewayName, namespace: disc.namespace, host: '127.0.0.1', internalPort: 0, httpPort: 0, grpcPort: 0 });
  const init = started.catch((err: unknown) => {
    logger.error(`cluster ${c.name}: resolver ${disc.resolver} failed to start: ${(err as Error).message}`);
  });
  const known = new Map<string, Origin>();
  const headers = { 'dapr-callee-app-id': disc.app_id, 'dapr-callee-namespace': disc.namespace, 'dapr-caller-app-id': gatewayName, 'dapr-caller-namespace': disc.namespace };
  return {
    ...base,
    pick: async () => {
      await init;
      const r = await resolver.resolve({ appId: disc.app_id, namespace: disc.namespace });
      if (!r.ok) return { ok: false, message: r.message };
      if (r.endpoints.length === 0) return { ok: false, message: `no endpoints for ${disc.app_id}.${disc.namespace}` };
      const list = r.endpoints.map((e) => {
        const fresh = originOf(e.host, e.port, c.tls);
        let o = known.get(fresh.origin);
        if (!o) known.set(fresh.origin, (o = fresh));
        return o;
      });
      return pickFrom(list, '', headers);
    },
    ready: () => started,
    close: () => resolver.close(),
  };
}
