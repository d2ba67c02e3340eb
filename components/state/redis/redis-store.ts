/**
 * state.redis over ioredis, storing values as daprd does (see scripts.ts). Fails fast while Redis is
 * unreachable (no offline queue) so the API answers with an error instead of hanging.
 *
 * Metadata: redisHost (host:port, default localhost:6379), redisUsername, redisPassword, redisDB,
 * enableTLS, ttlInSeconds (store default), actorStateStore, dialTimeout.
 */
import Redis from 'ioredis';
import { redisOptions } from '../../common/redis-connection';
import type { ComponentContext, ComponentDriver, ResolvedComponent } from '../../contract';
import { etagInvalid, etagMismatch, StateFeature, type StateDeleteRequest, type StateGetRequest, type StateItem, type StateOperation, type StateSetRequest, type StateStore } from '../contract';
import { hasEtag, withActorFeature } from '../common/concurrency';
import { componentTtl, expiryFor, ttlMetadata } from '../common/ttl';
import { GET_SCRIPT, MULTI_SCRIPT } from './scripts';

interface ScriptClient {
  daprStateGetBuffer(key: string): Promise<[Buffer, Buffer, number] | null>;
  daprStateMulti(numKeys: number, ...args: (string | Buffer)[]): Promise<number>;
}

const FEATURES = [StateFeature.ETAG, StateFeature.TRANSACTIONAL, StateFeature.TTL];

export class RedisStateStore implements StateStore {
  private client: Redis | undefined;
  private readonly defaultTtl: number | undefined;
  private readonly feats: readonly string[];

  constructor(private readonly component: ResolvedComponent) {
    this.defaultTtl = componentTtl(component.metadata);
    this.feats = withActorFeature(FEATURES, component.metadata);
  }

  async init(): Promise<void> {
    const md = this.component.metadata;
    const client = new Redis(redisOptions(md));
    client.on('error', () => {
      /* surfaced per request; reconnects in the background */
    });
    client.defineCommand('daprStateGet', { numberOfKeys: 1, lua: GET_SCRIPT });
    client.defineCommand('daprStateMulti', { lua: MULTI_SCRIPT });
    this.client = client;
    try {
      await client.connect();
    } catch (e) {
      throw new Error(`redis store: error connecting to redis at ${md.redisHost || "localhost:6379"}: ${(e as Error).message}`);
    }
  }

  features(): readonly string[] {
    return this.feats;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    try {
      await c.quit();
    } catch {
      c.disconnect();
    }
  }

  async ping(): Promise<void> {
    await this.redis().ping();
  }

  private redis(): Redis {
    if (!this.client) throw new Error(`state.redis ${this.component.name} is not initialised`);
    return this.client;
  }

  private scripts(): ScriptClient {
    return this.redis() as unknown as ScriptClient;
  }

  async get(req: StateGetRequest): Promise<StateItem | undefined> {
    const r = await this.scripts().daprStateGetBuffer(req.key);
    if (!r) return undefined;
    const [data, version, pttl] = r;
    const etag = version.length > 0 ? version.toString() : undefined;
    const metadata = ttlMetadata(Number(pttl) > 0 ? Date.now() + Number(pttl) : null);
    return { data, ...(etag !== undefined ? { etag } : {}), ...(metadata ? { metadata } : {}) };
  }

  async set(req: StateSetRequest): Promise<void> {
    await this.multi([{ operation: 'upsert', request: req }]);
  }

  async delete(req: StateDeleteRequest): Promise<void> {
    await this.multi([{ operation: 'delete', request: req }]);
  }

  async multi(ops: readonly StateOperation[]): Promise<void> {
    if (ops.length === 0) return;
    const keys: string[] = [];
    const args: (string | Buffer)[] = [];
    for (const op of ops) {
      const r = op.request;
      if (hasEtag(r) && !/^\d+$/.test(r.etag)) throw etagInvalid(r.key);
      keys.push(r.key);
      if (op.operation === 'upsert') {
        const exp = expiryFor(op.request.metadata, this.defaultTtl);
        const ttlMs = exp === null ? '-1' : String(Math.max(1, exp - Date.now()));
        args.push('s', r.etag ?? '', op.request.value, r.options?.concurrency === 'first-write' ? '1' : '0', ttlMs);
      } else {
        args.push('d', r.etag ?? '', '', '0', '0');
      }
    }
    try {
      await this.scripts().daprStateMulti(keys.length, ...keys, ...args);
    } catch (e) {
      const msg = (e as Error).message ?? '';
      const m = /ETAG_MISMATCH (.*)$/.exec(msg);
      if (m) throw etagMismatch(m[1]!);
      throw e;
    }
  }
}

export const redisStateDriver: ComponentDriver<StateStore> = {
  types: ['state.redis'],
  versions: ['v1'],
  create: (component: ResolvedComponent, _ctx: ComponentContext) => new RedisStateStore(component),
};
