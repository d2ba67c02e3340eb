/**
 * Round-robin endpoint picking that survives changes to the set.
 *
 * RoundRobin keeps the endpoints sorted by "host:port" and remembers the key it picked last; the
 * next pick is the first endpoint whose key sorts after it (wrapping). So every endpoint present
 * gets one turn per cycle whatever order a resolver returns them in, an endpoint that left is
 * never picked again, and one that joins takes its turn in the current cycle.
 */
import type { Endpoint, ResolveRequest, Resolver } from './contract';

export function endpointKey(e: Endpoint): string {
  return `${e.host}:${e.port}`;
}

export class RoundRobin {
  private list: Array<{ key: string; endpoint: Endpoint }> = [];
  private lastKey: string | undefined;

  constructor(endpoints: readonly Endpoint[] = []) {
    this.update(endpoints);
  }

  /** Replaces the set (duplicates by host:port are dropped). */
  update(endpoints: readonly Endpoint[]): void {
    const byKey = new Map<string, Endpoint>();
    for (const e of endpoints) if (!byKey.has(endpointKey(e))) byKey.set(endpointKey(e), e);
    this.list = [...byKey].map(([key, endpoint]) => ({ key, endpoint })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  get size(): number {
    return this.list.length;
  }

  get endpoints(): readonly Endpoint[] {
    return this.list.map((x) => x.endpoint);
  }

  /** The next endpoint, or undefined when the set is empty. */
  pick(): Endpoint | undefined {
    if (this.list.length === 0) return undefined;
    const last = this.lastKey;
    const next = (last === undefined ? undefined : this.list.find((x) => x.key > last)) ?? this.list[0];
    if (!next) return undefined;
    this.lastKey = next.key;
    return next.endpoint;
  }
}

export type PickResult =
  | { readonly ok: true; readonly endpoint: Endpoint }
  | { readonly ok: false; readonly code: 'NOT_FOUND' | 'RESOLVER_ERROR'; readonly message: string };

/**
 * Round-robins across the current endpoints of one app id. With a resolver that can watch, the set
 * follows the resolver's change pushes and picks are served from it; otherwise (or while the set is
 * empty) each pick asks the resolver, which is expected to cache.
 */
export class AppEndpointPicker {
  private readonly rr = new RoundRobin();
  private readonly unwatch: (() => void) | undefined;
  private watched = false;

  constructor(
    private readonly resolver: Resolver,
    private readonly req: ResolveRequest,
  ) {
    this.unwatch = resolver.watch?.(req, (endpoints) => {
      this.watched = true;
      this.rr.update(endpoints);
    });
  }

  /** Current set as last seen (sorted by host:port). */
  get endpoints(): readonly Endpoint[] {
    return this.rr.endpoints;
  }

  async pick(): Promise<PickResult> {
    if (this.unwatch && this.watched && this.rr.size > 0) return this.picked();
    const res = await this.resolver.resolve(this.req);
    if (!res.ok) {
      this.rr.update([]);
      return res;
    }
    this.rr.update(res.endpoints);
    if (this.unwatch) this.watched = true;
    return this.picked();
  }

  close(): void {
    this.unwatch?.();
  }

  private picked(): PickResult {
    const endpoint = this.rr.pick();
    return endpoint
      ? { ok: true, endpoint }
      : { ok: false, code: 'NOT_FOUND', message: `no endpoints for app id "${this.req.appId}"` };
  }
}
