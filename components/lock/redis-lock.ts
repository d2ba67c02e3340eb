/**
 * lock.redis: SET key owner NX EX expiry to acquire; a script deletes the key only for its owner.
 * Metadata: redisHost (host:port, default localhost:6379), redisUsername, redisPassword, redisDB,
 * enableTLS, dialTimeout.
 */
import type { ComponentDriver, ResolvedComponent } from '../contract';
import { UnlockStatus, type LockStore, type UnlockStatusValue } from './contract';
import { connectRedis, type RedisClient } from '../common/redis-connection';

/** 1 deleted, -1 no such key, -2 held by another owner. */
const UNLOCK_SCRIPT = `
local v = redis.call("get", KEYS[1])
if v == false then return -1 end
if v ~= ARGV[1] then return -2 end
return redis.call("del", KEYS[1])`;

export class RedisLockStore implements LockStore {
  private client: RedisClient | undefined;

  constructor(private readonly component: ResolvedComponent) {}

  async init(): Promise<void> {
    this.client = await connectRedis(this.component.metadata, 'redis lock');
  }

  features(): readonly string[] {
    return [];
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.quit().catch(() => c.disconnect());
  }

  async ping(): Promise<void> {
    await this.redis().ping();
  }

  private redis(): RedisClient {
    if (!this.client) throw new Error('redis lock is not initialised');
    return this.client;
  }

  async tryLock(resourceId: string, owner: string, expirySeconds: number): Promise<boolean> {
    const r = await this.redis().set(resourceId, owner, 'EX', expirySeconds, 'NX');
    return r === 'OK';
  }

  async unlock(resourceId: string, owner: string): Promise<UnlockStatusValue> {
    const r = Number(await this.redis().eval(UNLOCK_SCRIPT, 1, resourceId, owner));
    if (r >= 1) return UnlockStatus.SUCCESS;
    if (r === -1 || r === 0) return UnlockStatus.LOCK_DOES_NOT_EXIST;
    return UnlockStatus.LOCK_BELONGS_TO_OTHERS;
  }
}

export const redisLockDriver: ComponentDriver<LockStore> = {
  types: ['lock.redis'],
  versions: ['v1'],
  create: (c) => new RedisLockStore(c),
};
