/**
 * The configuration building block, protocol-neutral: get, subscribe (each subscription gets an id
 * and a delivery function chosen by the head: POST to the app, or a gRPC stream) and unsubscribe.
 */
import { randomUUID } from 'node:crypto';
import type { DaprError } from '../../errors/dapr-error';
import type { ConfigurationItems, ConfigurationStore, ConfigurationUpdateHandler } from '../../components/configuration/contract';
import type { Logger } from '../../observability/logger';
import { ConfigurationErrors } from './errors';

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DaprError };

export interface ConfigurationApiDeps {
  readonly logger: Logger;
  readonly stores: () => ReadonlyMap<string, ConfigurationStore>;
}

/** Receives the changed items of one subscription, tagged with its id. */
export type ConfigurationDelivery = (id: string, items: ConfigurationItems) => void;

interface Subscription {
  readonly store: string;
  readonly stop: () => Promise<void>;
  readonly onEnd?: () => void;
}

const fail = <T>(error: DaprError): Result<T> => ({ ok: false, error });
const why = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class ConfigurationApi {
  private readonly subscriptions = new Map<string, Subscription>();

  constructor(readonly deps: ConfigurationApiDeps) {}

  private store(name: string): Result<ConfigurationStore> {
    const stores = this.deps.stores();
    if (stores.size === 0) return fail(ConfigurationErrors.notConfigured());
    const s = stores.get(name);
    return s ? { ok: true, value: s } : fail(ConfigurationErrors.notFound(name));
  }

  async get(storeName: string, keys: readonly string[], metadata: Record<string, string>): Promise<Result<ConfigurationItems>> {
    const s = this.store(storeName);
    if (!s.ok) return s;
    try {
      return { ok: true, value: await s.value.get(keys, metadata) };
    } catch (e) {
      return fail(ConfigurationErrors.get(keys, storeName, why(e)));
    }
  }

  has(id: string): boolean {
    return this.subscriptions.has(id);
  }

  /** Resolves the subscription id once the store watches the keys; `onEnd` runs when it is unsubscribed. */
  async subscribe(storeName: string, keys: readonly string[], metadata: Record<string, string>, deliver: ConfigurationDelivery, onEnd?: () => void): Promise<Result<string>> {
    const s = this.store(storeName);
    if (!s.ok) return s;
    const id = randomUUID();
    const handler: ConfigurationUpdateHandler = (items) => {
      if (this.subscriptions.has(id)) deliver(id, items);
    };
    try {
      const stop = await s.value.subscribe(keys, metadata, handler);
      this.subscriptions.set(id, { store: storeName, stop, ...(onEnd ? { onEnd } : {}) });
      this.deps.logger.debug(`configuration subscription ${id} on ${storeName}`, { keys: keys.join(',') || '*' });
      return { ok: true, value: id };
    } catch (e) {
      return fail(ConfigurationErrors.subscribe(keys, storeName, why(e)));
    }
  }

  async unsubscribe(storeName: string, id: string): Promise<Result<void>> {
    const s = this.store(storeName);
    if (!s.ok) return s;
    const sub = this.subscriptions.get(id);
    if (!sub || sub.store !== storeName) return fail(ConfigurationErrors.unsubscribe(id, `subscription with id ${id} does not exist`));
    this.subscriptions.delete(id);
    sub.onEnd?.();
    try {
      await sub.stop();
      return { ok: true, value: undefined };
    } catch (e) {
      return fail(ConfigurationErrors.unsubscribe(id, why(e)));
    }
  }

  /** Stops every subscription (sidecar shutdown). */
  async closeAll(): Promise<void> {
    const all = [...this.subscriptions.values()];
    this.subscriptions.clear();
    for (const s of all) s.onEnd?.();
    await Promise.all(all.map((s) => s.stop().catch(() => undefined)));
  }
}
