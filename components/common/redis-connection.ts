/**
 * One Redis connection as Dapr's Redis components configure it, shared by state.redis, pubsub.redis,
 * bindings.redis,
 * lock.redis and configuration.redis. Fails fast while Redis is unreachable (no offline queue).
 * Metadata: redisHost (host:port, default localhost:6379), redisUsername, redisPassword, redisDB,
 * enableTLS, dialTimeout (Go duration).
 */
import Redis, { type RedisOptions } from 'ioredis';
import { parseDurationMs } from './duration';

export type RedisClient = Redis;

export function redisOptions(md: Readonly<Record<string, string>>): RedisOptions {
  const hostPort = md.redisHost || 'localhost:6379';
  const colon = hostPort.lastIndexOf(':');
  return {
    host: colon > 0 ? hostPort.slice(0, colon) : hostPort,
    port: colon > 0 ? Number(hostPort.slice(colon + 1)) : 6379,
    ...(md.redisUsername ? { username: md.redisUsername } : {}),
    ...(md.redisPassword ? { password: md.redisPassword } : {}),
    db: md.redisDB ? Number(md.redisDB) : 0,
    ...((md.enableTLS ?? '').toLowerCase() === 'true' ? { tls: {} } : {}),
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: parseDurationMs(md.dialTimeout, 5000),
    retryStrategy: (times: number) => Math.min(times * 200, 2000),
  };
}

/** A connected client; rejects with `<what>: error connecting to redis at host:port`. */
export async function connectRedis(md: Readonly<Record<string, string>>, what: string, extra: { enableOfflineQueue?: boolean } = {}): Promise<Redis> {
  const client = new Redis({ ...redisOptions(md), ...extra });
  client.on('error', () => {
    /* surfaced per request; reconnects in the background */
  });
  try {
    await client.connect();
  } catch (e) {
    client.disconnect();
    throw new Error(`${what}: error connecting to redis at ${md.redisHost || 'localhost:6379'}: ${(e as Error).message}`);
  }
  return client;
}
