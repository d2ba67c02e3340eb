/**
 * bindings.rabbitmq (input and output) on one queue. Output `create` sends to the queue through
 * the default exchange (request metadata ttlInSeconds -> expiration, priority); input consumes it,
 * acknowledging after the app succeeded and requeueing (after a short pause) on failure.
 *
 * Metadata: queueName (required), host (amqp:// URL, default amqp://localhost:5672), durable,
 * deleteWhenUnused, exclusive, prefetchCount, maxPriority, ttlInSeconds (queue message TTL),
 * contentType.
 */
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { ComponentDriver, ResolvedComponent } from '../contract';
import { boolMeta, type BindingInvokeRequest, type BindingInvokeResponse, type InputBindingHandler } from './contract';

const REQUEUE_DELAY_MS = 500;

export class RabbitmqBinding {
  private conn: ChannelModel | undefined;
  private channel: Channel | undefined;
  private readonly queue: string;

  constructor(private readonly component: ResolvedComponent) {
    this.queue = component.metadata.queueName ?? '';
  }

  async init(): Promise<void> {
    const md = this.component.metadata;
    if (!this.queue) throw new Error('rabbitmq binding: required metadata "queueName" is missing');
    const conn = await amqp.connect(md.host || 'amqp://localhost:5672', { noDelay: true }); // no Nagle delay on small messages
    conn.on('error', () => undefined);
    this.conn = conn;
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    this.channel = ch;
    const args: Record<string, unknown> = {};
    if (Number(md.ttlInSeconds) > 0) args['x-message-ttl'] = Number(md.ttlInSeconds) * 1000;
    if (Number(md.maxPriority) > 0) args['x-max-priority'] = Number(md.maxPriority);
    await ch.assertQueue(this.queue, { durable: boolMeta(md.durable, false), autoDelete: boolMeta(md.deleteWhenUnused, false), exclusive: boolMeta(md.exclusive, false), arguments: args });
    const prefetch = Number(md.prefetchCount);
    if (prefetch > 0) await ch.prefetch(prefetch);
  }

  features(): readonly string[] {
    return [];
  }

  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    this.channel = undefined;
    await conn?.close().catch(() => undefined);
  }

  private ch(): Channel {
    if (!this.channel) throw new Error('rabbitmq binding is not connected');
    return this.channel;
  }

  operations(): readonly string[] {
    return ['create'];
  }

  async invoke(req: BindingInvokeRequest): Promise<BindingInvokeResponse> {
    const ttl = Number(req.metadata.ttlInSeconds ?? '');
    const priority = Number(req.metadata.priority ?? '');
    const contentType = req.metadata.contentType || this.component.metadata.contentType;
    const ok = this.ch().sendToQueue(this.queue, req.data, {
      persistent: boolMeta(this.component.metadata.durable, false),
      ...(ttl > 0 ? { expiration: String(ttl * 1000) } : {}),
      ...(priority >= 0 && req.metadata.priority !== undefined ? { priority } : {}),
      ...(contentType ? { contentType } : {}),
    });
    if (!ok) await new Promise<void>((r) => this.ch().once('drain', () => r()));
    return {};
  }

  async read(handler: InputBindingHandler): Promise<() => Promise<void>> {
    const ch = this.ch();
    const { consumerTag } = await ch.consume(this.queue, (msg: ConsumeMessage | null) => {
      if (!msg) return;
      const metadata: Record<string, string> = {};
      for (const [k, v] of Object.entries(msg.properties.headers ?? {})) if (v !== undefined && v !== null) metadata[k] = typeof v === 'string' ? v : JSON.stringify(v);
      const settle = (ok: boolean): void => {
        if (this.channel !== ch) return;
        try {
          if (ok) ch.ack(msg);
          else ch.nack(msg, false, true);
        } catch { /* channel closed meanwhile: the broker redelivers */ }
      };
      handler({ data: msg.content, metadata, ...(msg.properties.contentType ? { contentType: String(msg.properties.contentType) } : {}) }).then(
        () => settle(true),
        // A short pause before requeueing keeps a failing app from spinning on one message.
        () => { setTimeout(() => settle(false), REQUEUE_DELAY_MS).unref(); },
      );
    }, { noAck: false });
    return async () => {
      if (this.channel === ch) await ch.cancel(consumerTag).catch(() => undefined);
    };
  }
}

export const rabbitmqBindingDriver: ComponentDriver<RabbitmqBinding> = {
  types: ['bindings.rabbitmq'],
  versions: ['v1'],
  create: (c) => new RabbitmqBinding(c),
};
