/**
 * pubsub.mqtt3 (alias pubsub.mqtt) over mqtt.js, MQTT 3.1.1. Each consumer group is one client
 * with a persistent session (clean=false, client id `<consumerGroup>-consumer`), so QoS 1 messages
 * published while it is away are delivered when it comes back. The PUBACK goes out only after the
 * handler resolved (mqtt.js handleMessage callback); a rejected message is retried in place with a
 * back-off, since MQTT has no negative ack. mqtt.js handles one incoming publish at a time, so a
 * group's handlers run one at a time (broker order). Topic filters may use + and #.
 * Messages carry no metadata (MQTT 3 has no headers). Clients reconnect by themselves every second;
 * a persistent session brings back what the broker kept for the group (a broker restart keeps it
 * when the broker persists sessions), and QoS 1 publishes made while disconnected go out after the
 * reconnect (the caller waits up to 20 s for the broker's PUBACK, then gets an error).
 *
 * Metadata (components-contrib names): url (mqtt://localhost:1883), consumerID, qos (1), retain
 * (false), cleanSession (false), caCert, clientCert, clientKey.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import type { ComponentContext, ComponentDriver, ResolvedComponent } from '../../contract';
import type { Logger } from '../../../observability/logger';
import { PubsubFeatures, type MessageHandler, type PubSub, type PublishRequest, type SubscribeRequest } from '../contract';
import { errorMessage, mdBool, mdInt } from '../common/metadata';
import { InFlight, retryDelayMs, sleep } from '../common/in-flight';
import { topicMatches } from './topic-filter';

/** How long a publish waits for the broker's acknowledgement (through a reconnect) before failing. */
const PUBLISH_WAIT_MS = 20_000;

interface LocalSub {
  readonly filter: string;
  readonly handler: MessageHandler;
  readonly inFlight: InFlight;
  stopped: boolean;
}

function connected(client: MqttClient, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => finish(new Error('connect timeout')), timeoutMs);
    const onConnect = (): void => finish();
    const onError = (e: Error): void => finish(e);
    function finish(err?: Error): void {
      clearTimeout(t);
      client.off('connect', onConnect);
      client.off('error', onError);
      if (err) reject(err);
      else resolve();
    }
    client.once('connect', onConnect);
    client.once('error', onError);
  });
}

/** One persistent-session client per consumer group, shared by the group's local subscriptions. */
class GroupClient {
  readonly subs: LocalSub[] = [];
  private next = 0;
  private closed = false;
  client!: MqttClient;

  attach(client: MqttClient): void {
    this.client = client;
  }

  /** Runs the message through one matching subscription per filter; resolves when all succeeded. */
  async handle(topic: string, payload: Buffer): Promise<void> {
    const byFilter = new Map<string, LocalSub[]>();
    // A resumed session may hand over stored messages before subscribe() registered its handler.
    for (let waited = 0; ; waited += 50) {
      for (const s of this.subs) if (!s.stopped && topicMatches(s.filter, topic)) byFilter.set(s.filter, [...(byFilter.get(s.filter) ?? []), s]);
      if (byFilter.size > 0 || waited >= 5000) break;
      if (this.closed) throw new Error('group closed');
      await sleep(50);
    }
    for (const group of byFilter.values()) {
      const s = group[this.next++ % group.length]!;
      for (let attempt = 1; ; attempt++) {
        if (this.closed || s.stopped) throw new Error('subscription stopped');
        const ok = await new Promise<boolean>((resolve) => s.inFlight.start(() => s.handler({ topic, data: payload, metadata: {} }).then(() => resolve(true), () => resolve(false))));
        if (ok) break;
        await sleep(retryDelayMs(attempt));
      }
    }
  }

  close(): void {
    this.closed = true;
  }
}

export class MqttPubSub implements PubSub {
  private publisher: MqttClient | undefined;
  private readonly groups = new Map<string, GroupClient>();
  private readonly log: Logger;
  private readonly qos: 0 | 1 | 2;

  constructor(private readonly component: ResolvedComponent, private readonly ctx: ComponentContext) {
    const q = mdInt(component.metadata, 'qos', 1);
    if (q !== 0 && q !== 1 && q !== 2) throw new Error(`mqtt: qos must be 0, 1 or 2, not ${q}`);
    this.qos = q;
    this.log = ctx.logger.child(`pubsub.mqtt3:${component.name}`);
  }

  private options(clientId: string, clean: boolean): IClientOptions {
    const md = this.component.metadata;
    return {
      clientId, clean, protocolVersion: 4, reconnectPeriod: 1000, connectTimeout: 5000,
      ...(md.caCert ? { ca: md.caCert } : {}), ...(md.clientCert ? { cert: md.clientCert } : {}), ...(md.clientKey ? { key: md.clientKey } : {}),
    };
  }

  private get url(): string {
    return this.component.metadata.url || 'mqtt://localhost:1883';
  }

  async init(): Promise<void> {
    const id = `${this.component.metadata.consumerID || this.ctx.appId}-producer-${randomBytes(3).toString('hex')}`;
    try {
      this.publisher = await mqtt.connectAsync(this.url, { ...this.options(id, true), reconnectPeriod: 1000 });
      this.publisher.on('error', (e) => this.log.warn('mqtt publisher error', { error: errorMessage(e) }));
    } catch (e) {
      throw new Error(`mqtt: cannot connect to ${this.url}: ${errorMessage(e)}`);
    }
  }

  features(): readonly string[] {
    return [PubsubFeatures.SUBSCRIBE_WILDCARDS];
  }

  async ping(): Promise<void> {
    if (!this.publisher?.connected) throw new Error('mqtt: not connected');
  }

  /**
   * Resolves once the broker acknowledged (QoS 1/2). While the broker is away mqtt.js keeps the
   * message and sends it after reconnecting; the caller waits for that up to PUBLISH_WAIT_MS and
   * then gets an error (the message may still go out later: at-least-once, never a silent loss).
   */
  async publish(req: PublishRequest): Promise<void> {
    const publisher = this.publisher;
    if (!publisher) throw new Error('mqtt: not initialised');
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`mqtt: publish to ${req.topic} not acknowledged by the broker within ${PUBLISH_WAIT_MS / 1000}s${publisher.connected ? '' : ' (not connected; reconnecting)'}`)), PUBLISH_WAIT_MS);
    });
    try {
      await Promise.race([publisher.publishAsync(req.topic, req.data, { qos: this.qos, retain: mdBool(this.component.metadata, 'retain', false) }), bound]);
    } catch (e) {
      const msg = errorMessage(e);
      throw new Error(msg.startsWith('mqtt:') ? msg : `mqtt: publish to ${req.topic} failed: ${msg}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async subscribe(req: SubscribeRequest, handler: MessageHandler): Promise<() => Promise<void>> {
    const g = await this.groupClient(req.consumerGroup);
    const sub: LocalSub = { filter: req.topic, handler, inFlight: new InFlight(1), stopped: false };
    g.subs.push(sub);
    await g.client.subscribeAsync(req.topic, { qos: this.qos });
    return async () => {
      sub.stopped = true;
      await sub.inFlight.drain();
      g.subs.splice(g.subs.indexOf(sub), 1);
      if (!g.subs.some((s) => s.filter === sub.filter)) await g.client.unsubscribeAsync(sub.filter).catch(() => undefined);
      if (g.subs.length === 0) {
        this.groups.delete(req.consumerGroup);
        g.close();
        await g.client.endAsync(true).catch(() => undefined);
      }
    };
  }

  /** Leaves unacknowledged messages with the broker's session: they come back on reconnect. */
  async close(): Promise<void> {
    const all = [...this.groups.values()];
    this.groups.clear();
    for (const g of all) g.close();
    await Promise.all(all.map((g) => g.client.endAsync(true).catch(() => undefined)));
    await this.publisher?.endAsync().catch(() => undefined);
    this.publisher = undefined;
  }

  private async groupClient(group: string): Promise<GroupClient> {
    let g = this.groups.get(group);
    if (g) return g;
    const gc = new GroupClient();
    this.groups.set(group, gc);
    const opts = this.options(`${group}-consumer`, mdBool(this.component.metadata, 'cleanSession', false));
    // mqtt.js sends the PUBACK of an incoming QoS 1 publish only after handleMessage's callback
    // (customHandleAcks exists for MQTT 5 only), so the callback waits for the handlers. It is
    // set before connecting: the session may hand over stored messages right away.
    const client = mqtt.connect(this.url, opts);
    client.handleMessage = (packet, callback) => {
      if (packet.cmd !== 'publish') return callback();
      gc.handle(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload)).then(() => callback(), () => {
        /* not acknowledged: the broker resends it when the session reconnects */
      });
    };
    gc.attach(client);
    try {
      await connected(client, 6000);
    } catch (e) {
      this.groups.delete(group);
      await client.endAsync(true).catch(() => undefined);
      throw new Error(`mqtt: cannot connect to ${this.url}: ${errorMessage(e)}`);
    }
    gc.client.on('error', (e) => this.log.warn('mqtt consumer error', { group, error: errorMessage(e) }));
    g = gc;
    return g;
  }
}

export const mqttPubSubDriver: ComponentDriver<PubSub> = {
  types: ['pubsub.mqtt3', 'pubsub.mqtt'],
  versions: ['v1'],
  create: (c, ctx) => new MqttPubSub(c, ctx),
};
