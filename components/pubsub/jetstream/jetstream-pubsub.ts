/**
 * pubsub.jetstream over the nats client: a stream per topic (or the configured `streamName`, to
 * which topics are added as subjects), a durable pull consumer per consumer group filtered to the
 * topic, explicit ack after the handler resolved, nak (redeliver) when it rejected. maxInFlight is
 * the consumer's max_ack_pending; a message not acked within `ackWait` is redelivered, and a
 * running handler keeps its message with in-progress acks. Message metadata travels as headers.
 *
 * Metadata (components-contrib names): natsURL (nats://localhost:4222), jwt + seedKey, token,
 * name, streamName, durableName, deliverPolicy (all|last|new|sequence|time), startSequence,
 * startTime (unix seconds), ackWait (30s), maxDeliver, memoryStorage, replicas.
 */
import { AckPolicy, connect, DeliverPolicy, headers, jwtAuthenticator, nanos, StorageType, type ConnectionOptions, type ConsumerConfig, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg, type NatsConnection } from 'nats';
import type { ComponentContext, ComponentDriver, ResolvedComponent } from '../../contract';
import type { Logger } from '../../../observability/logger';
import type { MessageHandler, PubSub, PublishRequest, SubscribeRequest } from '../contract';
import { carriedMetadata, errorMessage, mdBool, mdDurationMs, mdInt } from '../common/metadata';
import { InFlight, inFlightLimit, retryDelayMs } from '../common/in-flight';

const CONTENT_TYPE = 'Content-Type';

/** Stream and consumer names may not hold '.', '*', '>', spaces or path separators. */
export function natsName(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '_');
}

const deliverPolicies: Record<string, DeliverPolicy> = {
  all: DeliverPolicy.All, last: DeliverPolicy.Last, new: DeliverPolicy.New,
  sequence: DeliverPolicy.StartSequence, time: DeliverPolicy.StartTime, lastpersubject: DeliverPolicy.LastPerSubject,
};

export class JetStreamPubSub implements PubSub {
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private jsm: JetStreamManager | undefined;
  private readonly streams = new Map<string, Promise<string>>();
  private readonly subs = new Set<{ messages: ConsumerMessages; inFlight: InFlight; loop: Promise<void> }>();
  private readonly ackWaitMs: number;
  /** In-progress acks of running handlers; close() abandons them. */
  private readonly workingTimers = new Set<NodeJS.Timeout>();
  private readonly log: Logger;

  constructor(private readonly component: ResolvedComponent, ctx: ComponentContext) {
    this.ackWaitMs = mdDurationMs(component.metadata, 'ackWait', 30_000);
    this.log = ctx.logger.child(`pubsub.jetstream:${component.name}`);
  }

  async init(): Promise<void> {
    const md = this.component.metadata;
    const opts: ConnectionOptions = {
      servers: (md.natsURL || 'nats://localhost:4222').split(','),
      name: md.name || `outrigger-${this.component.name}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 5000,
    };
    if (md.jwt && md.seedKey) opts.authenticator = jwtAuthenticator(md.jwt, new TextEncoder().encode(md.seedKey));
    if (md.token) opts.token = md.token;
    try {
      this.nc = await connect(opts);
      this.jsm = await this.nc.jetstreamManager();
      this.js = this.nc.jetstream();
    } catch (e) {
      await this.nc?.close().catch(() => undefined);
      this.nc = undefined;
      throw new Error(`jetstream: cannot connect to ${opts.servers}: ${errorMessage(e)}`);
    }
  }

  features(): readonly string[] {
    return [];
  }

  async ping(): Promise<void> {
    if (!this.nc || this.nc.isClosed()) throw new Error('jetstream: not connected');
    await this.nc.flush();
  }

  async publish(req: PublishRequest): Promise<void> {
    await this.ensureStream(req.topic);
    const h = headers();
    for (const [k, v] of Object.entries(carriedMetadata(req.metadata))) h.set(k, v);
    if (req.contentType) h.set(CONTENT_TYPE, req.contentType);
    await this.require().js.publish(req.topic, req.data, { headers: h });
  }

  async subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<() => Promise<void>> {
    const { js, jsm } = this.require();
    const md = this.component.metadata;
    const stream = await this.ensureStream(req.topic);
    const base = req.metadata.durableName || md.durableName || req.consumerGroup;
    const durable = natsName(md.streamName ? `${base}-${req.topic}` : base);
    const limit = inFlightLimit(req.maxInFlight);
    try {
      await jsm.consumers.info(stream, durable);
    } catch {
      await jsm.consumers.add(stream, this.consumerConfig(durable, req.topic, limit));
    }
    const consumer = await js.consumers.get(stream, durable);
    const messages = await consumer.consume({ max_messages: limit });
    const inFlight = new InFlight(limit);
    const entry = { messages, inFlight, loop: Promise.resolve() };
    entry.loop = (async () => {
      try {
        for await (const m of messages) inFlight.start(() => this.deliver(req.topic, m, handler));
      } catch (e) {
        this.log.warn('consuming stopped', { topic: req.topic, error: errorMessage(e) });
      }
    })();
    this.subs.add(entry);
    return async () => {
      messages.stop();
      await entry.loop;
      await inFlight.drain();
      this.subs.delete(entry);
    };
  }

  async close(): Promise<void> {
    for (const s of this.subs) s.messages.stop();
    this.subs.clear();
    for (const t of this.workingTimers) clearInterval(t);
    this.workingTimers.clear();
    const nc = this.nc;
    this.nc = undefined;
    await nc?.close().catch(() => undefined);
  }

  private consumerConfig(durable: string, topic: string, limit: number): Partial<ConsumerConfig> {
    const md = this.component.metadata;
    const policy = deliverPolicies[(md.deliverPolicy || 'all').toLowerCase()];
    if (policy === undefined) throw new Error(`jetstream: unknown deliverPolicy "${md.deliverPolicy}"`);
    const cfg: Partial<ConsumerConfig> = {
      durable_name: durable, filter_subject: topic, ack_policy: AckPolicy.Explicit, deliver_policy: policy,
      ack_wait: nanos(this.ackWaitMs), max_ack_pending: limit,
    };
    const maxDeliver = mdInt(md, 'maxDeliver', 0);
    if (maxDeliver > 0) cfg.max_deliver = maxDeliver;
    if (policy === DeliverPolicy.StartSequence) cfg.opt_start_seq = mdInt(md, 'startSequence', 1);
    if (policy === DeliverPolicy.StartTime) cfg.opt_start_time = new Date(mdInt(md, 'startTime', 0) * 1000).toISOString();
    return cfg;
  }

  private async deliver(topic: string, m: JsMsg, handler: MessageHandler): Promise<void> {
    const metadata: Record<string, string> = {};
    let contentType: string | undefined;
    for (const [k, vs] of m.headers ?? []) {
      if (k === CONTENT_TYPE) contentType = vs[0];
      else if (vs[0] !== undefined) metadata[k] = vs[0];
    }
    // Keeps the message while the handler runs longer than ackWait.
    const working = setInterval(() => m.working(), Math.max(100, Math.floor(this.ackWaitMs / 3)));
    this.workingTimers.add(working);
    let ok = false;
    try {
      await handler({ id: `${m.info.stream}:${m.seq}`, topic, data: Buffer.from(m.data), metadata, ...(contentType ? { contentType } : {}) });
      ok = true;
    } catch {
      /* nak below */
    } finally {
      clearInterval(working);
      this.workingTimers.delete(working);
    }
    if (!this.nc || this.nc.isClosed()) return; // closed meanwhile: the server redelivers after ackWait
    if (ok) m.ack();
    else m.nak(retryDelayMs(m.info.redeliveryCount));
  }

  /** The stream that captures `topic`, created (or extended with the subject) when missing. */
  private ensureStream(topic: string): Promise<string> {
    let p = this.streams.get(topic);
    if (!p) {
      p = this.createStream(topic);
      this.streams.set(topic, p);
      p.catch(() => this.streams.delete(topic));
    }
    return p;
  }

  private async createStream(topic: string): Promise<string> {
    const { jsm } = this.require();
    const md = this.component.metadata;
    const name = natsName(md.streamName || topic);
    try {
      const info = await jsm.streams.info(name);
      const subjects = info.config.subjects ?? [];
      if (md.streamName && !subjects.includes(topic)) await jsm.streams.update(name, { ...info.config, subjects: [...subjects, topic] });
    } catch (e) {
      if (!/not found/i.test(errorMessage(e))) throw e;
      await jsm.streams.add({
        name, subjects: [topic],
        storage: mdBool(md, 'memoryStorage', false) ? StorageType.Memory : StorageType.File,
        num_replicas: mdInt(md, 'replicas', 1),
      });
    }
    return name;
  }

  private require(): { js: JetStreamClient; jsm: JetStreamManager } {
    if (!this.js || !this.jsm || !this.nc) throw new Error(`pubsub.jetstream ${this.component.name}: not initialised`);
    return { js: this.js, jsm: this.jsm };
  }
}

export const jetStreamPubSubDriver: ComponentDriver<PubSub> = {
  types: ['pubsub.jetstream'],
  versions: ['v1'],
  create: (c, ctx) => new JetStreamPubSub(c, ctx),
};
