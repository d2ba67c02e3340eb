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
  pick(): Promise<PickResult>;
  close(): Promise<void>;
}

interface Origin { readonly origin: string; active: number }

function originOf(host: string, port: number, tls: boolean): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${tls ? 'https' : 'http'}://${h}:${port}`;
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
    return { ok: true, pick: { dispatcher: pools.get(o.origin), pathPrefix, headers, release: () => { if (!released) { released = true; o.active--; } } } };
  };
  if (c.endpoints) {
    const list: Origin[] = c.endpoints.map((e) => {
      if (typeof e !== 'string') return { origin: originOf(e.address, e.port, c.tls), active: 0 };
      const i = e.lastIndexOf(':');
      return { origin: originOf(e.slice(0, i), Number(e.slice(i + 1)), c.tls), active: 0 };
    });
    return { name: c.name, pick: async () => pickFrom(list, '', {}), close: async () => undefined };
  }
  if (c.dapr) {
    const d = c.dapr;
    const list: Origin[] = [{ origin: new URL(d.sidecar).origin, active: 0 }];
    const headers: Record<string, string> = d.mode === 'header' ? { 'dapr-app-id': d.app_id } : {};
    if (d.api_token) headers['dapr-api-token'] = d.api_token;
    const prefix = d.mode === 'invoke' ? `/v1.0/invoke/${encodeURIComponent(d.app_id)}/method` : '';
    return { name: c.name, pick: async () => pickFrom(list, prefix, headers), close: async () => undefined };
  }
  const disc = c.discovery!;
  const created = builtinResolvers().create(disc.resolver, disc.configuration, logger.child(`cluster.${c.name}`));
  if (!created.ok) {
    // load.ts checked the name; a bad configuration surfaces per request (and in the start-up log).
    logger.error(`cluster ${c.name}: ${created.message}`);
    return { name: c.name, pick: async () => ({ ok: false, message: created.message }), close: async () => undefined };
  }
  const resolver: Resolver = created.resolver;
  const init = resolver.init({ appId: gatewayName, namespace: disc.namespace, host: '127.0.0.1', internalPort: 0, httpPort: 0, grpcPort: 0 }).catch((err: unknown) => {
    logger.error(`cluster ${c.name}: resolver ${disc.resolver} failed to start: ${(err as Error).message}`);
  });
  const known = new Map<string, Origin>();
  const headers = { 'dapr-callee-app-id': disc.app_id, 'dapr-callee-namespace': disc.namespace, 'dapr-caller-app-id': gatewayName, 'dapr-caller-namespace': disc.namespace };
  return {
    name: c.name,
    pick: async () => {
      await init;
      const r = await resolver.resolve({ appId: disc.app_id, namespace: disc.namespace });
      if (!r.ok) return { ok: false, message: r.message };
      if (r.endpoints.length === 0) return { ok: false, message: `no endpoints for ${disc.app_id}.${disc.namespace}` };
      const list = r.endpoints.map((e) => {
        const origin = originOf(e.host, e.port, c.tls);
        let o = known.get(origin);
        if (!o) known.set(origin, (o = { origin, active: 0 }));
        return o;
      });
      return pickFrom(list, '', headers);
    },
    close: () => resolver.close(),
  };
}
