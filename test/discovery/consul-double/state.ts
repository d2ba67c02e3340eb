/**
 * State of the Consul agent test double: one node, its registered services and their checks, and
 * a Raft-like index. Every write (register, deregister, check status change) takes the next index;
 * a service name's index is the index of the last write that touched it (never 0, never going
 * down), which is what X-Consul-Index reports and what blocking queries wait on.
 *
 * HTTP checks really run: right after registration and then every Interval, GET the URL (Timeout,
 * default 10s); 2xx -> passing, 429 -> warning, anything else or no answer -> critical. (Consul
 * staggers the first run randomly within the interval; the double runs it at once so tests need
 * not wait.) TTL checks change only through /v1/agent/check/{pass,warn,fail}/:id. Other check kinds
 * keep their initial Status (default "critical", as in Consul).
 */

export type CheckStatus = 'passing' | 'warning' | 'critical';

export interface CheckState {
  readonly checkId: string;
  readonly name: string;
  readonly serviceId: string;
  readonly serviceName: string;
  readonly http?: string;
  readonly intervalMs?: number;
  readonly timeoutMs: number;
  readonly ttl?: string;
  status: CheckStatus;
  output: string;
  timer?: NodeJS.Timeout;
}

export interface ServiceState {
  readonly id: string;
  readonly name: string;
  readonly tags: string[];
  readonly address: string;
  readonly port: number;
  readonly meta: Record<string, string>;
  readonly createIndex: number;
  modifyIndex: number;
  readonly checks: CheckState[];
}

/** "10s", "250ms", "1m", "1h" -> ms (Go duration subset), undefined when malformed. */
export function goDurationMs(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as string] as number;
  return Number(m[1]) * unit;
}

export class DoubleState {
  index = 1;
  readonly services = new Map<string, ServiceState>();
  private readonly nameIndex = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

  constructor(
    readonly nodeName: string,
    readonly nodeAddress: string,
    readonly datacenter: string,
    private readonly runChecks: boolean,
  ) {}

  indexOf(serviceName: string): number {
    return this.nameIndex.get(serviceName) ?? 1;
  }

  /** Calls wake once the service name's index changes (returns a cancel function). */
  onChange(serviceName: string, wake: () => void): () => void {
    let set = this.waiters.get(serviceName);
    if (!set) this.waiters.set(serviceName, (set = new Set()));
    set.add(wake);
    return () => set.delete(wake);
  }

  register(svc: Omit<ServiceState, 'createIndex' | 'modifyIndex'>): void {
    const old = this.services.get(svc.id);
    if (old) this.stopChecks(old);
    const index = ++this.index;
    const state: ServiceState = { ...svc, createIndex: old?.createIndex ?? index, modifyIndex: index };
    this.services.set(svc.id, state);
    this.touch(svc.name, index);
    if (old && old.name !== svc.name) this.touch(old.name, index);
    for (const c of state.checks) this.startCheck(state, c);
  }

  deregister(id: string): boolean {
    const svc = this.services.get(id);
    if (!svc) return false;
    this.stopChecks(svc);
    this.services.delete(id);
    this.touch(svc.name, ++this.index);
    return true;
  }

  findCheck(checkId: string): { svc: ServiceState; check: CheckState } | undefined {
    for (const svc of this.services.values()) {
      const check = svc.checks.find((c) => c.checkId === checkId);
      if (check) return { svc, check };
    }
    return undefined;
  }

  setStatus(checkId: string, status: CheckStatus, output = ''): boolean {
    const found = this.findCheck(checkId);
    if (!found) return false;
    this.updateCheck(found.svc, found.check, status, output);
    return true;
  }

  close(): void {
    this.closed = true;
    for (const svc of this.services.values()) this.stopChecks(svc);
    for (const set of this.waiters.values()) for (const wake of [...set]) wake();
    this.waiters.clear();
  }

  private touch(serviceName: string, index: number): void {
    this.nameIndex.set(serviceName, index);
    const set = this.waiters.get(serviceName);
    if (set) for (const wake of [...set]) wake();
  }

  private updateCheck(svc: ServiceState, check: CheckState, status: CheckStatus, output: string): void {
    check.output = output;
    if (check.status === status) return;
    check.status = status;
    const index = ++this.index;
    svc.modifyIndex = index;
    this.touch(svc.name, index);
  }

  private stopChecks(svc: ServiceState): void {
    for (const c of svc.checks) clearTimeout(c.timer);
  }

  private startCheck(svc: ServiceState, check: CheckState): void {
    if (!this.runChecks || !check.http || !check.intervalMs) return;
    const url = check.http;
    const run = async (): Promise<void> => {
      let status: CheckStatus = 'critical';
      let output = '';
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(check.timeoutMs) });
        output = `HTTP GET ${url}: ${res.status} Output: ${(await res.text()).slice(0, 200)}`;
        status = res.status >= 200 && res.status < 300 ? 'passing' : res.status === 429 ? 'warning' : 'critical';
      } catch (err) {
        output = `Get "${url}": ${(err as Error).message}`;
      }
      if (this.closed || this.services.get(svc.id) !== svc) return;
      this.updateCheck(svc, check, status, output);
      check.timer = setTimeout(() => void run(), check.intervalMs).unref();
    };
    void run();
  }
}
