/**
 * lock.redis: SET key owner NX EX expiry to acquire; a script deletes the key only for its owner.
 * Metadata: redisHost (host:port, default localhost:6379), redisUsername, redisPassword, redisDB,
 * enableTLS, dialTimeout.
 */
import type { ComponentDriver, ResolvedComponent } from '../contract';
import { UnlockStatus, type LockStore, type UnlockStatusValue } from './contract';
import { RedisComponent } from '../common/redis-component';

/** 1 deleted, -1 no such key, -2 held by another owner. */
const UNLOCK_SCRIPT = `
local v = redis.call("get", KEYS[1])
if v == false then return -1 end
if v ~= ARGV[1] then return -2 end
return redis.call("del", KEYS[1])`;

export class RedisLockStore extends RedisComponent implements LockStore {
  constructor(component: ResolvedComponent) {
    super(component, 'redis lock');
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
