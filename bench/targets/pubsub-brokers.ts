/**
 * The brokers of the pub/sub scenario, as the bench sets them up: availability probes (Redis
 * 127.0.0.1:6379, NATS JetStream 127.0.0.1:4222, RabbitMQ 127.0.0.1:5672 guest/guest; the
 * embedded pubsub.sqlite always), the sidecar's component per broker, the bounded streams and
 * queues the publish topics write to (so a long run cannot fill the shared brokers), and removal
 * of everything the run created.
 */
import amqp from 'amqplib';
import Redis from 'ioredis';
import { connect, DiscardPolicy, RetentionPolicy, StorageType, type NatsConnection } from 'nats';
import { natsName } from '../../components/pubsub/jetstream/jetstream-pubsub';
import { REDIS_PORT, redisUnavailable } from './state-stores';
import { componentYaml } from '../../test/helpers/resource-yaml';
import type { PubsubBroker } from '../report/types';

export const BROKERS: readonly PubsubBroker[] = ['sqlite', 'redis', 'jetstream', 'rabbitmq'];
export const NATS_URL = 'nats://127.0.0.1:4222';
export const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
/** Publish topics keep at most this many messages (Redis MAXLEN ~, JetStream max_msgs, RabbitMQ x-max-length). */
export const PUBLISH_KEEP = 10_000;

export const componentName = (b: PubsubBroker): string => `bench-ps-${b}`;

/** The sidecar's component for `b`; sqlite writes to `sqliteFile`. */
export function brokerComponentYaml(b: PubsubBroker, sqliteFile: string): string {
  switch (b) {
    case 'sqlite': return componentYaml(componentName(b), 'pubsub.sqlite', { connectionString: sqliteFile });
    case 'redis': return componentYaml(componentName(b), 'pubsub.redis', { redisHost: `127.0.0.1:${REDIS_PORT}`, maxLenApprox: String(PUBLISH_KEEP) });
    case 'jetstream': return componentYaml(componentName(b), 'pubsub.jetstream', { natsURL: NATS_URL });
    case 'rabbitmq': return componentYaml(componentName(b), 'pubsub.rabbitmq', { connectionString: AMQP_URL });
  }
}

async function withNats<T>(timeoutMs: number, fn: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: NATS_URL, timeout: timeoutMs, maxReconnectAttempts: 0 });
  try {
    return await fn(nc);
  } finally {
    await nc.close().catch(() => undefined);
  }
}

async function withAmqp<T>(timeoutMs: number, fn: (ch: amqp.Channel) => Promise<T>): Promise<T> {
  const conn = await amqp.connect(AMQP_URL, { timeout: timeoutMs });
  conn.on('error', () => undefined);
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    return await fn(ch);
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** Undefined when the broker answers, else why not. */
export async function brokerUnavailable(b: PubsubBroker, timeoutMs: number): Promise<string | undefined> {
  try {
    switch (b) {
      case 'sqlite': return undefined;
      case 'redis': return await redisUnavailable(timeoutMs);
      case 'jetstream':
        await withNats(timeoutMs, async (nc) => void (await (await nc.jetstreamManager()).getAccountInfo()));
        return undefined;
      case 'rabbitmq':
        await withAmqp(timeoutMs, async () => undefined);
        return undefined;
    }
  } catch (e) {
    const where = b === 'jetstream' ? NATS_URL : '127.0.0.1:5672';
    return `${b} not reachable on ${where}: ${(e as Error).message}`;
  }
}

/**
 * Before the sidecar starts: JetStream streams for every topic (publish topics bounded, the driver
 * finds them and uses them), RabbitMQ exchanges for the publish topics with one bounded durable
 * queue each, so published messages are stored as a subscriber's would be.
 */
export async function prepareBroker(b: PubsubBroker, publishTopics: readonly string[], deliveryTopics: readonly string[], timeoutMs: number): Promise<void> {
  if (b === 'jetstream') {
    await withNats(timeoutMs, async (nc) => {
      const jsm = await nc.jetstreamManager();
      for (const t of [...publishTopics, ...deliveryTopics]) {
        const bounded = publishTopics.includes(t);
        await jsm.streams.add({
          name: natsName(t), subjects: [t], storage: StorageType.File, num_replicas: 1, retention: RetentionPolicy.Limits,
          ...(bounded ? { max_msgs: PUBLISH_KEEP, discard: DiscardPolicy.Old } : {}),
        });
      }
    });
  }
  if (b === 'rabbitmq') {
    await withAmqp(timeoutMs, async (ch) => {
      for (const t of publishTopics) {
        await ch.assertExchange(t, 'fanout', { durable: true, autoDelete: false });
        await ch.assertQueue(t, { durable: true, arguments: { 'x-max-length': PUBLISH_KEEP } });
        await ch.bindQueue(t, t, '');
      }
    });
  }
}

/** Removes the run's streams, keys, exchanges and queues; best effort. */
export async function cleanupBroker(b: PubsubBroker, publishTopics: readonly string[], deliveryTopics: readonly string[], appId: string, timeoutMs: number): Promise<void> {
  const all = [...publishTopics, ...deliveryTopics];
  try {
    if (b === 'redis') {
      const c = new Redis({ host: '127.0.0.1', port: REDIS_PORT, maxRetriesPerRequest: 1, commandTimeout: timeoutMs, retryStrategy: () => null });
      c.on('error', () => undefined);
      try {
        await c.del(...all);
      } finally {
        c.disconnect();
      }
    }
    if (b === 'jetstream') {
      await withNats(timeoutMs, async (nc) => {
        const jsm = await nc.jetstreamManager();
        for (const t of all) await jsm.streams.delete(natsName(t)).catch(() => false);
      });
    }
    if (b === 'rabbitmq') {
      await withAmqp(timeoutMs, async (ch) => {
        // The driver's queues are <consumer group>-<topic>; the consumer group is the app id.
        for (const q of [...publishTopics, ...deliveryTopics.map((t) => `${appId}-${t}`)]) await ch.deleteQueue(q).catch(() => undefined);
        for (const t of all) await ch.deleteExchange(t).catch(() => undefined);
      });
    }
  } catch {
    /* best effort */
  }
}
