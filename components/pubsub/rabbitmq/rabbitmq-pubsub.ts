/**
 * pubsub.rabbitmq over amqplib, laid out as daprd does: an exchange per topic (name = topic, kind
 * `exchangeKind`, default fanout) and a queue per consumer group named `<consumerGroup>-<topic>`
 * bound to it. Manual acks after the handler resolved; a rejected message is nacked with requeue
 * (after a short back-off) unless requeueInFailure=false. prefetch = maxInFlight. Publishes wait
 * for the broker's confirm. After a lost connection the driver reconnects every `reconnectWait`
 * and resumes every subscription (also when the broker closes a consumer's channel or cancels the
 * consumer); unacked messages were requeued by the broker.
 *
 * Outrigger's defaults favour no loss: durable true, deletedWhenUnused false, deliveryMode 2
 * (persistent), publisherConfirm true (daprd defaults to non-durable, auto-delete queues).
 *
 * Metadata: connectionString (amqp URL) or host, consumerID, durable, deletedWhenUnused,
 * deliveryMode (0|1|2), requeueInFailure (true), prefetchCount (default: maxInFlight),
 * reconnectWait (3s), exchangeKind (fanout|topic|direct|headers), routingKey (subscribe, comma
 * list), maxLen, maxLenBytes, ttlInSeconds (queue default TTL), publisherConfirm, enableDeadLetter.
 * Request metadata: ttlInSeconds (per-message expiration), routingKey, priority.
 */
import amqp from 'amqplib';
import type { ComponentContext, ComponentDriver, ResolvedComponent } from '../../contract';
import type { Logger } from '../../../observability/logger';
import { PubsubFeatures, type MessageHandler, type PubSub, type PublishRequest, type SubscribeRequest } from '../contract';
import { carriedMetadata, errorMessage, mdBool, mdDurationMs, mdInt, ttlSeconds } from '../common/metadata';
import { InFlight, inFlightLimit, retryDelayMs, sleep } from '../common/in-flight';
import { RabbitConnection } from './connection';

interface Subscription {
  readonly req: SubscribeRequest;
  readonly handler: MessageHandler;
  readonly inFlight: InFlight;
  channel?: amqp.Channel;
  tag?: string;
  stopped: boolean;
  /** A resume loop runs (the consumer's channel went away). */
  resuming: boolean;
}

function headerString(v: unknown): string {
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export class RabbitMqPubSub implements PubSub {
  private readonly conn: RabbitConnection;
  private readonly subs = new Set<Subscription>();
  private readonly declaredExchanges = new Set<string>();
  private readonly log: Logger;
  private readonly md: Readonly<Record<string, string>>;
  private readonly reconnectWaitMs: number;
  private closed = false;

  constructor(component: ResolvedComponent, ctx: ComponentContext) {
    this.md = component.metadata;
    this.log = ctx.logger.child(`pubsub.rabbitmq:${component.name}`);
    const url = this.md.connectionString || this.md.host || 'amqp://localhost:5672';
    this.reconnectWaitMs = mdDurationMs(this.md, 'reconnectWait', 3000);
    this.conn = new RabbitConnection(url, this.reconnectWaitMs, this.log, async () => this.declaredExchanges.clear());
  }

  async init(): Promise<void> {
    await this.conn.start();
  }

  features(): readonly string[] {
    return [PubsubFeatures.MESSAGE_TTL];
  }

  async ping(): Promise<void> {
    await this.conn.ready(1000);
  }

  private get durable(): boolean {
    return mdBool(this.md, 'durable', true);
  }

  private async declareExchange(ch: amqp.Channel, topic: string): Promise<void> {
    await ch.assertExchange(topic, this.md.exchangeKind || 'fanout', { durable: this.durable, autoDelete: mdBool(this.md, 'deletedWhenUnused', false) });
  }

  /**
   * Resolves once the broker confirmed the message. While the connection is away it waits up to
   * 10 s for the reconnect, then fails with the reason; nothing reported as published is lost.
   */
  async publish(req: PublishRequest): Promise<void> {
    let ch: amqp.ConfirmChannel;
    try {
      ch = await this.conn.publisher(10_000);
    } catch (e) {
      throw new Error(`rabbitmq: cannot publish to ${req.topic}: ${errorMessage(e).replace(/^rabbitmq: /, '')}`);
    }
    if (!this.declaredExchanges.has(req.topic)) {
      await this.declareExchange(ch, req.topic);
      this.declaredExchanges.add(req.topic);
    }
    const ttl = ttlSeconds(req.metadata);
    const deliveryMode = mdInt(this.md, 'deliveryMode', 2);
    const priority = req.metadata.priority ? Number(req.metadata.priority) : undefined;
    const opts: amqp.Options.Publish = {
      persistent: deliveryMode === 2,
      headers: carriedMetadata(req.metadata),
      ...(req.contentType ? { contentType: req.contentType } : {}),
      ...(ttl !== undefined ? { expiration: String(Math.round(ttl * 1000)) } : {}),
      ...(priority !== undefined && Number.isInteger(priority) ? { priority } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      ch.publish(req.topic, req.metadata.routingKey ?? '', req.data, opts, (err: unknown) => (err ? reject(new Error(`rabbitmq publish not confirmed: ${errorMessage(err)}`)) : resolve()));
    });
  }

  async subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<() => Promise<void>> {
    const sub: Subscription = { req, handler, inFlight: new InFlight(inFlightLimit(req.maxInFlight)), stopped: false, resuming: false };
    await this.conn.ready(10_000);
    await this.consume(sub);
    this.subs.add(sub);
    return async () => {
      sub.stopped = true;
      this.subs.delete(sub);
      if (sub.channel && sub.tag) await sub.channel.cancel(sub.tag).catch(() => undefined);
      await sub.inFlight.drain();
      await sub.channel?.close().catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.subs) s.stopped = true;
    this.subs.clear();
    await this.conn.stop();
  }

  private queueName(req: SubscribeRequest): string {
    return req.metadata.queueName || `${req.consumerGroup}-${req.topic}`;
  }

  /** Declares exchange, queue and bindings on a fresh channel and starts consuming. */
  private async consume(sub: Subscription): Promise<void> {
    const ch = await this.conn.channel();
    ch.on('error', () => undefined);
    // Connection lost, or the broker closed the channel / cancelled the consumer: consume again.
    ch.on('close', () => {
      if (sub.channel !== ch) return;
      sub.channel = undefined;
      sub.tag = undefined;
      this.resume(sub);
    });
    try {
      await this.setUpConsumer(sub, ch);
    } catch (e) {
      await ch.close().catch(() => undefined);
      throw e;
    }
  }

  private async setUpConsumer(sub: Subscription, ch: amqp.Channel): Promise<void> {
    const { req } = sub;
    await ch.prefetch(mdInt(this.md, 'prefetchCount', 0) || sub.inFlight.limit);
    await this.declareExchange(ch, req.topic);
    const args: Record<string, unknown> = {};
    const maxLen = mdInt(this.md, 'maxLen', 0);
    const maxLenBytes = mdInt(this.md, 'maxLenBytes', 0);
    const queueTtl = ttlSeconds({ ttlInSeconds: this.md.ttlInSeconds ?? '' });
    if (maxLen > 0) args['x-max-length'] = maxLen;
    if (maxLenBytes > 0) args['x-max-length-bytes'] = maxLenBytes;
    if (queueTtl !== undefined) args['x-message-ttl'] = Math.round(queueTtl * 1000);
    if (mdBool(this.md, 'enableDeadLetter', false)) {
      const dlx = 'dlx-' + this.queueName(req);
      await ch.assertExchange(dlx, 'fanout', { durable: this.durable });
      const dlq = await ch.assertQueue('dlq-' + this.queueName(req), { durable: this.durable });
      await ch.bindQueue(dlq.queue, dlx, '');
      args['x-dead-letter-exchange'] = dlx;
    }
    const q = await ch.assertQueue(this.queueName(req), { durable: this.durable, autoDelete: mdBool(this.md, 'deletedWhenUnused', false), arguments: args });
    const keys = (req.metadata.routingKey ?? this.md.routingKey ?? '').split(',').map((k) => k.trim());
    for (const key of keys) await ch.bindQueue(q.queue, req.topic, key);
    const requeue = mdBool(this.md, 'requeueInFailure', true);
    const ok = await ch.consume(q.queue, (msg) => {
      if (!msg) {
        // Consumer cancelled by the broker (queue deleted, node failover): a fresh channel resumes it.
        void ch.close().catch(() => undefined);
        return;
      }
      sub.inFlight.start(async () => {
        const metadata: Record<string, string> = {};
        for (const [k, v] of Object.entries(msg.properties.headers ?? {})) if (v !== undefined && v !== null) metadata[k] = headerString(v);
        try {
          await sub.handler({
            ...(msg.properties.messageId ? { id: String(msg.properties.messageId) } : {}),
            topic: req.topic, data: msg.content, metadata,
            ...(msg.properties.contentType ? { contentType: String(msg.properties.contentType) } : {}),
          });
        } catch {
          await sleep(retryDelayMs(msg.fields.redelivered ? 3 : 1));
          try {
            ch.nack(msg, false, requeue);
          } catch {
            /* channel gone: the broker requeued it */
          }
          return;
        }
        try {
          ch.ack(msg);
        } catch (e) {
          this.log.warn('ack failed; the message will be redelivered', { topic: req.topic, error: errorMessage(e) });
        }
      });
    }, { noAck: false });
    sub.channel = ch;
    sub.tag = ok.consumerTag;
  }

  /**
   * Consumes again once the connection is back, retrying every reconnectWait until it works or
   * the subscription stops. What the lost channel had not acknowledged was requeued by the broker.
   */
  private resume(sub: Subscription): void {
    if (sub.resuming || sub.stopped || this.closed) return;
    sub.resuming = true;
    void (async () => {
      while (!sub.stopped && !this.closed) {
        try {
          await this.conn.ready(Math.max(this.reconnectWaitMs * 2, 5000));
          await this.consume(sub);
          // Stopped while the consumer was being set up: release it.
          if (sub.stopped || this.closed) await sub.channel?.close().catch(() => undefined);
          break;
        } catch (e) {
          if (sub.stopped || this.closed) break;
          this.log.warn('resuming subscription failed; retrying', { topic: sub.req.topic, error: errorMessage(e) });
          await sleep(this.reconnectWaitMs);
        }
      }
      sub.resuming = false;
    })();
  }
}

export const rabbitMqPubSubDriver: ComponentDriver<PubSub> = {
  types: ['pubsub.rabbitmq'],
  versions: ['v1'],
  create: (c, ctx) => new RabbitMqPubSub(c, ctx),
};
