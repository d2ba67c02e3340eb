/**
 * The pub/sub building block's publish baseline: the broker's own Node client called from the
 * generator, doing what the sidecar's driver does per publish (components/pubsub/*) minus the
 * HTTP API, the CloudEvent envelope and the sidecar process. Every publish is confirmed:
 * - sqlite: the driver's own MessageStore (its tables, one transaction per call; WAL,
 *   synchronous=NORMAL). Synchronous: concurrent loops serialise.
 * - redis: XADD <topic> MAXLEN ~ n * data <bytes> (ioredis); a batch is one pipeline.
 * - jetstream: js.publish awaiting the stream's ack (nats); a batch awaits its acks together.
 * - rabbitmq: a confirm channel, persistent messages, each publish's confirm awaited (amqplib).
 */
import Database from 'better-sqlite3';
import Redis from 'ioredis';
import amqp from 'amqplib';
import { connect, headers, type JetStreamClient, type NatsConnection } from 'nats';
import { MessageStore, type NewMessage } from '../../components/pubsub/sqlite/message-store';
import type { Requester } from './requester';
import { eventLoopYielder } from './sync-yield';
import type { PubsubDirectTargetSpec } from './types';

/** Publishes one batch of `batch` copies of the payload; rejects when the broker did not confirm. */
type Publish = () => Promise<void>;

interface Client {
  readonly publish: Publish;
  close(): Promise<void>;
}

const errorText = (e: unknown): string => (e as { code?: string }).code ?? (e as Error).message ?? String(e);

/** The driver's tables in `file` (created when missing), WAL as the driver opens them. */
export function openMessageStore(file: string): MessageStore {
  const db = new Database(file, { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return new MessageStore(db, 'pubsub_');
}

function sqliteClient(t: PubsubDirectTargetSpec): Client {
  if (!t.file) throw new Error('pubsub-direct sqlite needs a file');
  const store = openMessageStore(t.file);
  const msg: NewMessage = { topic: t.topic, data: Buffer.from(t.payload), contentType: t.contentType, metadata: {} };
  const batch = Array.from({ length: t.batch }, () => msg);
  const maybeYield = eventLoopYielder();
  return {
    async publish() {
      await maybeYield();
      store.publish(batch);
    },
    async close() {
      store.db.close();
    },
  };
}

function redisClient(t: PubsubDirectTargetSpec, timeoutMs: number): Client {
  const client = new Redis({ host: '127.0.0.1', port: Number(t.url ?? 6379), maxRetriesPerRequest: 1, commandTimeout: timeoutMs, connectTimeout: timeoutMs, retryStrategy: () => null });
  client.on('error', () => undefined);
  const data = Buffer.from(t.payload);
  const trim = t.maxLen ? ['MAXLEN', '~', String(t.maxLen)] : [];
  return {
    async publish() {
      if (t.batch === 1) {
        await client.xadd(t.topic, ...trim, '*', 'data', data);
        return;
      }
      const p = client.pipeline();
      for (let i = 0; i < t.batch; i++) p.xadd(t.topic, ...trim, '*', 'data', data);
      const res = (await p.exec()) ?? [];
      const failed = res.find(([err]) => err);
      if (failed?.[0]) throw failed[0];
    },
    async close() {
      client.disconnect();
    },
  };
}

function jetstreamClient(t: PubsubDirectTargetSpec, timeoutMs: number): Client {
  let conn: Promise<{ nc: NatsConnection; js: JetStreamClient }> | undefined;
  const ready = (): Promise<{ nc: NatsConnection; js: JetStreamClient }> =>
    (conn ??= connect({ servers: t.url ?? 'nats://127.0.0.1:4222', timeout: timeoutMs, maxReconnectAttempts: 0 }).then((nc) => ({ nc, js: nc.jetstream({ timeout: timeoutMs }) })));
  const data = Buffer.from(t.payload);
  const h = headers();
  h.set('Content-Type', t.contentType);
  return {
    async publish() {
      const { js } = await ready();
      if (t.batch === 1) {
        await js.publish(t.topic, data, { headers: h });
        return;
      }
      await Promise.all(Array.from({ length: t.batch }, () => js.publish(t.topic, data, { headers: h })));
    },
    async close() {
      if (conn) await (await conn.catch(() => undefined))?.nc.close().catch(() => undefined);
    },
  };
}

function rabbitClient(t: PubsubDirectTargetSpec, timeoutMs: number): Client {
  let chan: Promise<{ conn: amqp.ChannelModel; ch: amqp.ConfirmChannel }> | undefined;
  const ready = (): Promise<{ conn: amqp.ChannelModel; ch: amqp.ConfirmChannel }> =>
    (chan ??= (async () => {
      const conn = await amqp.connect(t.url ?? 'amqp://guest:guest@127.0.0.1:5672', { timeout: timeoutMs });
      conn.on('error', () => undefined);
      const ch = await conn.createConfirmChannel();
      ch.on('error', () => undefined);
      return { conn, ch };
    })());
  const data = Buffer.from(t.payload);
  const opts: amqp.Options.Publish = { persistent: true, headers: {}, contentType: t.contentType };
  const one = (ch: amqp.ConfirmChannel): Promise<void> =>
    new Promise((resolve, reject) => void ch.publish(t.topic, '', data, opts, (err: unknown) => (err ? reject(new Error(`not confirmed: ${errorText(err)}`)) : resolve())));
  return {
    async publish() {
      const { ch } = await ready();
      if (t.batch === 1) await one(ch);
      else await Promise.all(Array.from({ length: t.batch }, () => one(ch)));
    },
    async close() {
      if (chan) await (await chan.catch(() => undefined))?.conn.close().catch(() => undefined);
    },
  };
}

export function pubsubDirectClient(t: PubsubDirectTargetSpec, timeoutMs: number): Client {
  switch (t.broker) {
    case 'sqlite': return sqliteClient(t);
    case 'redis': return redisClient(t, timeoutMs);
    case 'jetstream': return jetstreamClient(t, timeoutMs);
    case 'rabbitmq': return rabbitClient(t, timeoutMs);
  }
}

export function pubsubDirectRequester(t: PubsubDirectTargetSpec, timeoutMs: number): Requester {
  const client = pubsubDirectClient(t, timeoutMs);
  return {
    async send() {
      try {
        await client.publish();
        return undefined;
      } catch (e) {
        return errorText(e);
      }
    },
    close: () => client.close(),
  };
}
