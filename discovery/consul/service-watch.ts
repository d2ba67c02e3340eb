/**
 * Keeps one app id's passing instances current with Consul blocking queries (useCache: true): the
 * consul client's Watch repeats GET /v1/health/service/<appId>?passing=true&index=<X-Consul-Index>
 * &wait=<wait>, which Consul holds open until the result changes or the wait elapses, and backs
 * off on errors. The last good set is kept while Consul is unreachable.
 */
import type Consul from 'consul';
import type { Endpoint } from '../contract';
import type { Logger } from '../../observability/logger';
import { endpointsKey } from './entries';

type ConsulWatch = ReturnType<Consul['watch']>;

export class ServiceWatch {
  private watch: ConsulWatch | undefined;
  private current: Endpoint[] | undefined;
  private lastError: string | undefined;
  private lastKey: string | undefined;
  private readonly firstAnswer: Promise<void>;
  private settleFirst: () => void = () => undefined;
  private errorLogged = false;
  readonly watchers = new Set<(endpoints: readonly Endpoint[]) => void>();
  /** When a resolve or watch last used this app id (idle ones are stopped by the resolver). */
  lastUsed = Date.now();

  constructor(
    consul: Consul,
    queryOptions: Record<string, string>,
    private readonly appId: string,
    private readonly convert: (entries: unknown) => Endpoint[],
    private readonly log: Logger,
  ) {
    this.firstAnswer = new Promise<void>((resolve) => (this.settleFirst = resolve));
    const health = consul.health;
    this.watch = consul.watch({ method: health.service, options: { ...queryOptions, service: appId, passing: 'true' } });
    this.watch.on('change', (data: unknown) => this.onChange(data));
    this.watch.on('error', (err: Error) => this.onError(err));
  }

  /** Resolves after the first answer or error. */
  ready(): Promise<void> {
    return this.firstAnswer;
  }

  /** Last known set (undefined before any answer), and the last error if the latest attempt failed. */
  get state(): { endpoints: readonly Endpoint[] | undefined; error: string | undefined } {
    return { endpoints: this.current, error: this.lastError };
  }

  stop(): void {
    this.watch?.end();
    this.watch = undefined;
    this.settleFirst();
  }

  private onChange(data: unknown): void {
    this.lastError = undefined;
    this.errorLogged = false;
    const endpoints = this.convert(data);
    this.current = endpoints;
    this.settleFirst();
    const key = endpointsKey(endpoints);
    if (key === this.lastKey) return;
    this.lastKey = key;
    for (const w of this.watchers) {
      try {
        w(endpoints);
      } catch (err) {
        this.log.warn('consul watcher threw', { appId: this.appId, error: err });
      }
    }
  }

  private onError(err: Error): void {
    this.lastError = err.message;
    this.settleFirst();
    if (!this.errorLogged) this.log.warn(`consul blocking query for "${this.appId}" failed (retrying with backoff): ${err.message}`);
    this.errorLogged = true;
  }
}
