/**
 * bindings.redis (output): create (SET key data [EX ttlInSeconds]), get, delete; the key comes
 * from request metadata `key`. Metadata: the Redis connection fields of ./redis-connection.ts.
 */
import type { ComponentDriver, ResolvedComponent } from '../contract';
import { requireMeta, type BindingInvokeRequest, type BindingInvokeResponse, type OutputBinding } from './contract';
import { RedisComponent } from '../common/redis-component';

export class RedisBinding extends RedisComponent implements OutputBinding {
  constructor(component: ResolvedComponent) {
    super(component, 'redis binding');
  }

  operations(): readonly string[] {
    return ['create', 'get', 'delete'];
  }

  async invoke(req: BindingInvokeRequest): Promise<BindingInvokeResponse> {
    const key = requireMeta(req.metadata, 'key', 'redis binding');
    const redis = this.redis();
    switch (req.operation) {
      case 'create': {
        const ttl = Number(req.metadata.ttlInSeconds ?? '');
        if (ttl > 0) await redis.set(key, req.data, 'EX', Math.floor(ttl));
        else await redis.set(key, req.data);
        return {};
      }
      case 'get': {
        const v = await redis.getBuffer(key);
        return v ? { data: v } : {};
      }
      default:
        await redis.del(key);
        return {};
    }
  }
}

export const redisBindingDriver: ComponentDriver<RedisBinding> = {
  types: ['bindings.redis'],
  versions: ['v1'],
  create: (c) => new RedisBinding(c),
};
