/**
 * Outlier detection, as Envoy's: an endpoint of a target that fails `consecutiveFailures` times in
 * a row (5xx or a transport error) is ejected from load balancing for
 * baseEjectionTimeMs x (times ejected so far), then returns on its own. At most
 * maxEjectionPercent of a target's known endpoints are ejected at once; when every endpoint is
 * ejected, selection falls back to all of them (Envoy's panic mode) rather than failing.
 */
export interface OutlierOptions {
  readonly consecutiveFailures: number;
  readonly baseEjectionTimeMs: number;
  /** Cap on the back-off multiplier. */
  readonly maxEjectionTimeMs: number;
  readonly maxEjectionPercent: number;
}

export const DEFAULT_OUTLIER: OutlierOptions = { consecutiveFailures: 5, baseEjectionTimeMs: 30_000, maxEjectionTimeMs: 300_000, maxEjectionPercent: 50 };

interface HostState {
  consecutive: number;
  ejections: number;
  ejectedUntil: number;
}

export interface OutlierEvents {
  ejected(target: string, endpoint: string): void;
}

export class OutlierDetector {
  private readonly targets = new Map<string, Map<string, HostState>>();

  constructor(
    private readonly opts: OutlierOptions = DEFAULT_OUTLIER,
    private readonly events: OutlierEvents = { ejected: () => undefined },
    private readonly now: () => number = Date.now,
  ) {}

  private host(target: string, endpoint: string): HostState {
    let hosts = this.targets.get(target);
    if (!hosts) this.targets.set(target, (hosts = new Map()));
    let h = hosts.get(endpoint);
    if (!h) hosts.set(endpoint, (h = { consecutive: 0, ejections: 0, ejectedUntil: 0 }));
    return h;
  }

  isEjected(target: string, endpoint: string): boolean {
    const h = this.targets.get(target)?.get(endpoint);
    return h !== undefined && h.ejectedUntil > this.now();
  }

  /** The endpoints to balance over: the non-ejected ones, or all when none is left. */
  select<E>(target: string, endpoints: readonly E[], keyOf: (e: E) => string): readonly E[] {
    const hosts = this.targets.get(target);
    if (!hosts || endpoints.length < 2) return endpoints;
    const now = this.now();
    const healthy = endpoints.filter((e) => !((hosts.get(keyOf(e))?.ejectedUntil ?? 0) > now));
    return healthy.length > 0 ? healthy : endpoints;
  }

  /** Reports one call's outcome against an endpoint. */
  record(target: string, endpoint: string, success: boolean, knownEndpoints = 1): void {
    const h = this.host(target, endpoint);
    const now = this.now();
    if (success) {
      h.consecutive = 0;
      return;
    }
    h.consecutive++;
    if (h.consecutive < this.opts.consecutiveFailures || h.ejectedUntil > now) return;
    const hosts = this.targets.get(target)!;
    let ejectedNow = 0;
    for (const x of hosts.values()) if (x.ejectedUntil > now) ejectedNow++;
    const cap = Math.max(1, Math.floor((Math.max(knownEndpoints, hosts.size) * this.opts.maxEjectionPercent) / 100));
    if (ejectedNow >= cap) return;
    h.ejections++;
    h.consecutive = 0;
    h.ejectedUntil = now + Math.min(this.opts.maxEjectionTimeMs, this.opts.baseEjectionTimeMs * h.ejections);
    this.events.ejected(target, endpoint);
  }

  /** Currently ejected endpoint counts per target (read by the metrics gauge at scrape time). */
  ejectedCounts(): Array<[string, number]> {
    return [...this.targets.keys()].map((t) => [t, this.ejected(t).length]);
  }

  /** Endpoints currently ejected for a target (for metrics and tests). */
  ejected(target: string): string[] {
    const now = this.now();
    return [...(this.targets.get(target) ?? new Map<string, HostState>())].filter(([, h]) => h.ejectedUntil > now).map(([k]) => k);
  }
}
