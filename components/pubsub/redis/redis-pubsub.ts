/**
 * pubsub.redis over Redis Streams, interoperable with daprd: one stream per topic (key = topic,
 * entry field `data`), one Redis consumer group per Dapr consumer group (created from id 0 like
 * daprd, so a new group reads what the stream still holds). XACK only after the handler resolved.
 * A message whose handler rejected, or whose holder died, stays pending and is reclaimed with
 * XAUTOCLAIM once idle for `processingTimeout`, checked every `redeliverInterval`. While a handler
 * runs its entry's idle time is reset so a slow handler is not redelivered to another consumer.
 * The client reconnects by itself; commands issued while Redis is away wait for the reconnect and
 * fail after a bounded number of attempts (a publish then rejects: nothing reported as published
 * is lost). Surviving a Redis restart needs Redis persistence (AOF); a group lost with the data is
 * created again.
 *
 * Metadata (components-contrib names): redisHost (localhost:6379), redisUsername, redisPassword,
 * redisDB, enableTLS, consumerID, processingTimeout (60s; bare number = ms), redeliverInterval
 * (15s; 0 disables redelivery), queueDepth (100), maxLenApprox, dialTimeout (5s).
 */
import Redis from 'ioredis';
import { redisOptions } from '../../common/redis-connection';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ComponentContext, ComponentDriver, ResolvedComponent } from '../../contract';
import type { Logger } from '../../../observability/logger';
import type { MessageHandler, PubSub, PublishRequest, SubscribeRequest } from '../contract';
import { carriedMetadata, errorMessage, mdDurationMs, mdInt } from '../common/metadata';
import { InFlight, inFlightLimit, sleep } from '../common/in-flight';
import { entryFields, parseAutoClaim, parseReadGroup, type StreamEntry } from './stream-entries';

interface Subscription {
  readonly topic: string;
  readonly group: string;
  readonly consumer: string;
  readonly reader: Redis;
  readonly handler: MessageHandler;
  readonly inFlight: InFlight;
  readonly running: Set<string>;
  stopped: boolean;
  loops: Promise<void>[];
}

export class RedisPubSub implements PubSub {
  private client: Redis | undefined;
  private readonly subs = new Set<Subscription>();
  private readonly processingMs: number;
  private readonly redeliverMs: number;
  private readonly queueDepth: number;
  private readonly maxLen: number;
  private readonly log: Logger;
  private closed = false;

  constructor(private readonly component: ResolvedComponent, ctx: ComponentContext) {
    const md = component.metadata;
    this.processingMs = mdDurationMs(md, 'processingTimeout', 60_000, 1);
    this.redeliverMs = mdDurationMs(md, 'redeliverInterval', 15_000, 1);
    this.queueDepth = Math.max(1, mdInt(md, 'queueDepth', 100));
    this.maxLen = mdInt(md, 'maxLenApprox', 0);
    this.log = ctx.logger.child(`pubsub.redis:${component.name}`);
  }

  async init(): Promise<void> {
    const md = this.component.metadata;
    // Streams keep commands queued while reconnecting (a broker restart must not lose publishes).
    const client = new Redis({ ...redisOptions(md), enableOfflineQueue: true, maxRetriesPerRequest: 2 });
    client.on('error', () => {
      /* reconnects in the background; calls report their own errors */
    });
    this.client = client;
    try {
      await client.connect();
    } catch (e) {
      client.disconnect();
      this.client = undefined;
      throw new Error(`redis streams: error connecting to redis at ${md.redisHost || "localhost:6379"}: ${errorMessage(e)}`);
    }
  }

  features(): readonly string[] {
    return [];
  }

  async ping(): Promise<void> {
    await this.requireClient().ping();
  }

  async publish(req: PublishRequest): Promise<void> {
    const trim = this.maxLen > 0 ? ['MAXLEN', '~', String(this.maxLen)] : [];
    try {
      await this.requireClient().xadd(req.topic, ...trim, '*', ...entryFields(req.data, carriedMetadata(req.metadata)));
    } catch (e) {
      // Not confirmed (Redis unreachable past the retry bound): the caller may retry.
      throw new Error(`redis streams: error from publish to ${req.topic}: ${errorMessage(e)}`);
    }
  }

  /** Creates the consumer group from id 0 (and the stream) unless it exists. */
  private async ensureGroup(topic: string, group: string): Promise<void> {
    try {
      await this.requireClient().xgroup('CREATE', topic, group, '0', 'MKSTREAM');
    } catch (e) {
      if (!errorMessage(e).includes('BUSYGROUP')) throw e;
    }
  }

  async subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<() => Promise<void>> {
    const client = this.requireClient();
    await this.ensureGroup(req.topic, req.consumerGroup);
    const sub: Subscription = {
      topic: req.topic, group: req.consumerGroup, handler, stopped: false, loops: [], running: new Set(),
      consumer: `${req.consumerGroup}-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
      reader: client.duplicate(), inFlight: new InFlight(inFlightLimit(req.maxInFlight)),
    };
    sub.reader.on('error', () => undefined);
    this.subs.add(sub);
    sub.loops.push(this.readLoop(sub));
    if (this.processingMs > 0 && this.redeliverMs > 0) sub.loops.push(this.reclaimLoop(sub), this.touchLoop(sub));
    return () => this.stop(sub);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subs].map((s) => this.stop(s, false)));
    this.client?.disconnect();
    this.client = undefined;
  }

  private async stop(sub: Subscription, drain = true): Promise<void> {
    if (!sub.stopped) {
      sub.stopped = true;
      sub.inFlight.wake();
      sub.reader.disconnect(); // interrupts a blocking XREADGROUP
    }
    await Promise.all(sub.loops);
    if (drain) await sub.inFlight.drain();
    this.subs.delete(sub);
    if (drain) await this.forgetConsumer(sub);
  }

  /** Removes this subscription's consumer from the group when it holds nothing pending. */
  private async forgetConsumer(sub: Subscription): Promise<void> {
    try {
      const c = this.requireClient();
      const summary = (await c.xpending(sub.topic, sub.group, '-', '+', 1, sub.consumer)) as unknown[];
      if (summary.length === 0) await c.xgroup('DELCONSUMER', sub.topic, sub.group, sub.consumer);
    } catch {
      /* best effort */
    }
  }

  private async readLoop(sub: Subscription): Promise<void> {
    while (!sub.stopped) {
      if (sub.inFlight.free === 0) {
        await sub.inFlight.wait(1000);
        continue;
      }
      try {
        const reply = await sub.reader.callBuffer('XREADGROUP', 'GROUP', sub.group, sub.consumer, 'COUNT', String(Math.min(this.queueDepth, sub.inFlight.free)), 'BLOCK', '1000', 'STREAMS', sub.topic, '>');
        for (const e of parseReadGroup(reply)) this.dispatch(sub, e);
      } catch (e) {
        if (sub.stopped) return;
        this.log.warn('reading stream failed', { topic: sub.topic, error: errorMessage(e) });
        await this.recreateLostGroup(sub, e);
        await sleep(500);
      }
    }
  }

  /** Takes over entries idle longer than processingTimeout (rejected, or their holder died). */
  private async reclaimLoop(sub: Subscription): Promise<void> {
    while (!sub.stopped) {
      try {
        let start = '0-0';
        while (!sub.stopped && sub.inFlight.free > 0) {
          const reply = await this.requireClient().callBuffer('XAUTOCLAIM', sub.topic, sub.group, sub.consumer, String(this.processingMs), start, 'COUNT', String(sub.inFlight.free));
          const { next, entries, deleted } = parseAutoClaim(reply);
          if (deleted.length > 0) await this.requireClient().xack(sub.topic, sub.group, ...deleted);
          for (const e of entries) if (!sub.running.has(e.id)) this.dispatch(sub, e);
          if (next === '0-0' || entries.length === 0) break;
          start = next;
        }
      } catch (e) {
        if (!sub.stopped && !this.closed) this.log.warn('reclaiming pending messages failed', { topic: sub.topic, error: errorMessage(e) });
        await this.recreateLostGroup(sub, e);
      }
      await sub.inFlight.wait(this.redeliverMs);
    }
  }

  /**
   * A Redis restarted without persistence (or a stream deleted) has lost the group: create it
   * again so what is published from now on is delivered instead of failing every read.
   */
  private async recreateLostGroup(sub: Subscription, e: unknown): Promise<void> {
    if (sub.stopped || this.closed || !errorMessage(e).includes('NOGROUP')) return;
    try {
      await this.ensureGroup(sub.topic, sub.group);
      this.log.warn('consumer group was missing (Redis lost its data?); created it again', { topic: sub.topic, group: sub.group });
    } catch {
      /* next round */
    }
  }

  /** Resets the idle time of entries whose handlers still run, so they are not reclaimed. */
  private async touchLoop(sub: Subscription): Promise<void> {
    const every = Math.max(50, Math.floor(this.processingMs / 3));
    while (!sub.stopped) {
      await sub.inFlight.wait(every);
      if (sub.stopped || sub.running.size === 0) continue;
      try {
        await this.requireClient().xclaim(sub.topic, sub.group, sub.consumer, 0, ...sub.running, 'JUSTID');
      } catch {
        /* next round */
      }
    }
  }

  private dispatch(sub: Subscription, e: StreamEntry): void {
    sub.running.add(e.id);
    sub.inFlight.start(async () => {
      try {
        await sub.handler({ id: e.id, topic: sub.topic, data: e.data, metadata: e.metadata });
      } catch {
        // Left pending; mark it idle so the next reclaim round redelivers it.
        sub.running.delete(e.id);
        await this.client?.xclaim(sub.topic, sub.group, sub.consumer, 0, e.id, 'IDLE', String(this.processingMs), 'JUSTID').catch(() => undefined);
        return;
      }
      sub.running.delete(e.id);
      await this.client?.xack(sub.topic, sub.group, e.id).catch((err: unknown) => this.log.warn('ack failed', { id: e.id, error: errorMessage(err) }));
    });
  }

  private requireClient(): Redis {
    if (!this.client) throw new Error(`pubsub.redis ${this.component.name}: not initialised`);
    return this.client;
  }
}

export const redisPubSubDriver: ComponentDriver<PubSub> = {
  types: ['pubsub.redis'],
  versions: ['v1'],
  create: (c, ctx) => new RedisPubSub(c, ctx),
};
