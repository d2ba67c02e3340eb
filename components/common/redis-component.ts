/**
 * The lifecycle every single-connection Redis component shares (bindings.redis, lock.redis):
 * connect in init(), PING for health, quit on close, and a guarded accessor for the client.
 */
import type { ResolvedComponent } from '../contract';
import { connectRedis, type RedisClient } from './redis-connection';

export abstract class RedisComponent {
  private client: RedisClient | undefined;

  protected constructor(protected readonly component: ResolvedComponent, private readonly what: string) {}

  async init(): Promise<void> {
    this.client = await connectRedis(this.component.metadata, this.what);
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

  protected redis(): RedisClient {
    if (!this.client) throw new Error(`${this.what} is not initialised`);
    return this.client;
  }
}
