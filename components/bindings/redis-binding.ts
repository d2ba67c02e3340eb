/**
 * bindings.redis (output): create (SET key data [EX ttlInSeconds]), get, delete; the key comes
 * from request metadata `key`. Metadata: the Redis connection fields of ./redis-connection.ts.
 */
import type { ComponentDriver, ResolvedComponent } from '../contract';
import { requireMeta, type BindingInvokeRequest, type BindingInvokeResponse, type OutputBinding } from './contract';
import { connectRedis, type RedisClient } from '../common/redis-connection';

export class RedisBinding implements OutputBinding {
  private client: RedisClient | undefined;

  constructor(private readonly component: ResolvedComponent) {}

  async init(): Promise<void> {
    this.client = await connectRedis(this.component.metadata, 'redis binding');
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
    if (!this.client) throw new Error('redis binding is not initialised');
    return this.client;
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
