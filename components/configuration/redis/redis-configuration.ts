/**
 * configuration.redis: items are Redis strings holding "value||version" (daprd's layout); changes are
 * seen through keyspace notifications (__keyspace@<db>__:<key>), which the server must emit:
 * notify-keyspace-events needs K plus A (or at least $g). With metadata
 * `enableKeyspaceNotifications: "true"` the store sets "KA" on connect if the flags are missing.
 *
 * Metadata: the Redis connection fields of components/bindings/redis-connection.ts.
 */
import type { ComponentDriver, ResolvedComponent } from '../../contract';
import { connectRedis, type RedisClient } from '../../common/redis-connection';
import { deletedItem, type ConfigurationItem, type ConfigurationItems, type ConfigurationStore, type ConfigurationUpdateHandler } from '../contract';

const SEP = '||';

export function parseRedisItem(raw: string): ConfigurationItem {
  const i = raw.indexOf(SEP);
  if (i < 0) return { value: raw, version: '', metadata: {} };
  const rest = raw.slice(i + SEP.length);
  const j = rest.indexOf(SEP);
  return { value: raw.slice(0, i), version: j < 0 ? rest : rest.slice(0, j), metadata: {} };
}

interface Watch {
  readonly keys: ReadonlySet<string>;
  readonly handler: ConfigurationUpdateHandler;
}

export class RedisConfigurationStore implements ConfigurationStore {
  private client: RedisClient | undefined;
  private subscriber: RedisClient | undefined;
  private readonly watches = new Set<Watch>();
  private readonly db: number;

  constructor(private readonly component: ResolvedComponent) {
    this.db = component.metadata.redisDB ? Number(component.metadata.redisDB) : 0;
  }

  async init(): Promise<void> {
    this.client = await connectRedis(this.component.metadata, 'redis configuration');
    if ((this.component.metadata.enableKeyspaceNotifications ?? '').toLowerCase() === 'true') {
      const cur = ((await this.client.config('GET', 'notify-keyspace-events')) as string[])[1] ?? '';
      if (!cur.includes('K') || !(cur.includes('A') || (cur.includes('$') && cur.includes('g')))) await this.client.config('SET', 'notify-keyspace-events', `${cur}KA`);
    }
  }

  features(): readonly string[] {
    return [];
  }

  async close(): Promise<void> {
    this.watches.clear();
    for (const c of [this.subscriber, this.client]) await c?.quit().catch(() => c.disconnect());
    this.subscriber = undefined;
    this.client = undefined;
  }

  async ping(): Promise<void> {
    await this.redis().ping();
  }

  private redis(): RedisClient {
    if (!this.client) throw new Error('redis configuration store is not initialised');
    return this.client;
  }

  async get(keys: readonly string[]): Promise<ConfigurationItems> {
    const redis = this.redis();
    let names = [...keys];
    if (names.length === 0) {
      names = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'COUNT', 500);
        cursor = next;
        names.push(...batch);
      } while (cursor !== '0');
    }
    const out: ConfigurationItems = {};
    if (names.length === 0) return out;
    const types = keys.length === 0 ? await Promise.all(names.map((k) => redis.type(k))) : undefined;
    const wanted = types ? names.filter((_, i) => types[i] === 'string') : names;
    if (wanted.length === 0) return out;
    const values = await redis.mget(...wanted);
    wanted.forEach((k, i) => {
      const v = values[i];
      if (typeof v === 'string') out[k] = parseRedisItem(v);
    });
    return out;
  }

  async subscribe(keys: readonly string[], _metadata: Readonly<Record<string, string>>, handler: ConfigurationUpdateHandler): Promise<() => Promise<void>> {
    await this.ensureSubscriber();
    const watch: Watch = { keys: new Set(keys), handler };
    this.watches.add(watch);
    return async () => {
      this.watches.delete(watch);
    };
  }

  /** One pattern subscription per store; watches filter by key. */
  private async ensureSubscriber(): Promise<void> {
    if (this.subscriber) return;
    const sub = await connectRedis(this.component.metadata, 'redis configuration subscriber', { enableOfflineQueue: true });
    this.subscriber = sub;
    const prefix = `__keyspace@${this.db}__:`;
    sub.on('pmessage', (_pattern: string, channel: string, event: string) => {
      if (!channel.startsWith(prefix)) return;
      void this.onKeyEvent(channel.slice(prefix.length), event);
    });
    await sub.psubscribe(`${prefix}*`);
  }

  private async onKeyEvent(key: string, event: string): Promise<void> {
    const targets = [...this.watches].filter((w) => w.keys.size === 0 || w.keys.has(key));
    if (targets.length === 0) return;
    let item: ConfigurationItem = deletedItem;
    if (event !== 'del' && event !== 'expired' && event !== 'evicted') {
      const raw = await this.client?.get(key).catch(() => null);
      if (typeof raw !== 'string') return;
      item = parseRedisItem(raw);
    }
    for (const w of targets) w.handler({ [key]: item });
  }
}

export const redisConfigurationDriver: ComponentDriver<ConfigurationStore> = {
  types: ['configuration.redis'],
  versions: ['v1'],
  create: (c) => new RedisConfigurationStore(c),
};
