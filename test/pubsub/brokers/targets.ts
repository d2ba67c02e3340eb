/**
 * The pub/sub drivers the broker conformance suite runs against, with what each declares. Real
 * brokers on loopback (Redis 6379, RabbitMQ 5672, NATS 4222, Mosquitto 1883) get names unique to
 * this run and are cleaned up afterwards. Under CI=true an unreachable broker fails the suite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import amqp from 'amqplib';
import { connect as natsConnect } from 'nats';
import mqtt from 'mqtt';
import type { ComponentContext, ResolvedComponent } from '../../../components/contract';
import type { MessageHandler, PubSub, SubscribeRequest } from '../../../components/pubsub/contract';
import { pubsubDrivers } from '../../../components/pubsub/drivers';
import { natsName } from '../../../components/pubsub/jetstream/jetstream-pubsub';
import { createLogger } from '../../../observability/logger';

export const run = randomBytes(4).toString('hex');

export interface BrokerTarget {
  readonly name: string;
  /** Features the driver must declare (the suite exercises each). */
  readonly features: readonly string[];
  readonly external: boolean;
  /** Unacknowledged messages survive close() and come back to a new instance. */
  readonly durable: boolean;
  /** Publish metadata reaches subscribers (MQTT 3 has no headers). */
  readonly carriesMetadata: boolean;
  /** Handlers of one subscription may run concurrently up to maxInFlight. */
  readonly concurrent: boolean;
  /** A fresh, initialised instance on the same broker / file as every other one of this target. */
  create(): Promise<PubSub>;
  cleanup(): Promise<void>;
}

export function component(name: string, type: string, metadata: Record<string, string>): ResolvedComponent {
  return { name, type, version: 'v1', metadata, source: 'broker-conformance' };
}

export function context(dataDir: string): ComponentContext {
  return { appId: 'conf', namespace: 'default', dataDir, logger: createLogger({ level: 'error', json: false }) };
}

export function createDriver(c: ResolvedComponent, ctx: ComponentContext): PubSub {
  const d = pubsubDrivers.find((x) => x.types.includes(c.type) && x.versions.includes(c.version));
  if (!d) throw new Error(`no driver for ${c.type}/${c.version}`);
  return d.create(c, ctx);
}

/** Records the topics and groups a target used, for cleanup. */
class Usage {
  readonly topics = new Set<string>();
  readonly groups = new Set<string>();
  readonly pairs = new Set<string>();
  wrap(p: PubSub): PubSub {
    const sub = p.subscribe.bind(p);
    p.subscribe = (req: SubscribeRequest, h: MessageHandler) => {
      this.topics.add(req.topic);
      this.groups.add(req.consumerGroup);
      this.pairs.add(`${req.consumerGroup}-${req.topic}`);
      return sub(req, h);
    };
    const pub = p.publish.bind(p);
    p.publish = (req) => {
      this.topics.add(req.topic);
      return pub(req);
    };
    return p;
  }
}

async function quietly(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch {
    /* broker absent or already clean */
  }
}

export function targets(): BrokerTarget[] {
  const dataDir = mkdtempSync(join(tmpdir(), 'outrigger-pubsub-conf-'));
  const ctx = context(dataDir);
  const make = (usage: Usage, c: ResolvedComponent) => async (): Promise<PubSub> => {
    const p = usage.wrap(createDriver(c, ctx));
    try {
      await p.init();
    } catch (e) {
      await p.close();
      throw e;
    }
    return p;
  };
  const mem = new Usage(), lite = new Usage(), red = new Usage(), rab = new Usage(), jet = new Usage(), mq = new Usage();
  return [
    { name: 'pubsub.in-memory', features: [], external: false, durable: false, carriesMetadata: true, concurrent: true,
      create: (() => { let shared: PubSub | undefined; return async () => (shared ??= await make(mem, component('mem', 'pubsub.in-memory', {}))()); })(),
      cleanup: async () => {} },
    { name: 'pubsub.sqlite', features: ['MESSAGE_TTL', 'BULK_PUBLISH'], external: false, durable: true, carriesMetadata: true, concurrent: true,
      create: make(lite, component('lite', 'pubsub.sqlite', { connectionString: join(dataDir, 'pubsub.db'), visibilityTimeout: '2s', pollInterval: '50ms' })),
      cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) },
    { name: 'pubsub.redis', features: [], external: true, durable: true, carriesMetadata: true, concurrent: true,
      create: make(red, component('redis', 'pubsub.redis', { redisHost: '127.0.0.1:6379', processingTimeout: '1500', redeliverInterval: '200' })),
      cleanup: () => quietly(async () => {
        const r = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
        await r.connect();
        if (red.topics.size > 0) await r.del(...red.topics);
        r.disconnect();
      }) },
    { name: 'pubsub.rabbitmq', features: ['MESSAGE_TTL'], external: true, durable: true, carriesMetadata: true, concurrent: true,
      create: make(rab, component('rabbit', 'pubsub.rabbitmq', { connectionString: 'amqp://guest:guest@127.0.0.1:5672', reconnectWait: '500ms' })),
      cleanup: () => quietly(async () => {
        const c = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
        const ch = await c.createChannel();
        for (const q of rab.pairs) await ch.deleteQueue(q);
        for (const t of rab.topics) await ch.deleteExchange(t);
        await c.close();
      }) },
    { name: 'pubsub.jetstream', features: [], external: true, durable: true, carriesMetadata: true, concurrent: true,
      create: make(jet, component('jet', 'pubsub.jetstream', { natsURL: 'nats://127.0.0.1:4222', ackWait: '2s' })),
      cleanup: () => quietly(async () => {
        const nc = await natsConnect({ servers: 'nats://127.0.0.1:4222', timeout: 3000 });
        const jsm = await nc.jetstreamManager();
        for (const t of jet.topics) await jsm.streams.delete(natsName(t)).catch(() => undefined);
        await nc.close();
      }) },
    { name: 'pubsub.mqtt3', features: ['SUBSCRIBE_WILDCARDS'], external: true, durable: true, carriesMetadata: false, concurrent: false,
      create: make(mq, component('mqtt', 'pubsub.mqtt', { url: 'mqtt://127.0.0.1:1883', consumerID: `conf-${run}` })),
      cleanup: () => quietly(async () => {
        // A clean connect with each group's client id drops its persistent session.
        for (const g of mq.groups) {
          const c = await mqtt.connectAsync('mqtt://127.0.0.1:1883', { clientId: `${g}-consumer`, clean: true, reconnectPeriod: 0 });
          await c.endAsync();
        }
      }) },
  ];
}

/** Polls `cond` until true; fails after `ms` with `what`. Bounds waiting, does not assert timing. */
export async function waitFor(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
