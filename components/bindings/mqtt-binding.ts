/**
 * bindings.mqtt3 (alias bindings.mqtt; input and output) on one topic. Output `create` publishes to
 * `topic` (request metadata `topic` overrides; `retain` too); input subscribes to it and delivers
 * each message with metadata {topic}.
 *
 * Metadata: url (required, mqtt://host:port), topic (required), qos (0|1|2, default 1), retain,
 * cleanSession (default true), consumerID (client id; default <appId>-<random>).
 */
import { randomUUID } from 'node:crypto';
import mqtt, { type IClientPublishOptions, type MqttClient } from 'mqtt';
import type { ComponentContext, ComponentDriver, ResolvedComponent } from '../contract';
import { boolMeta, type BindingInvokeRequest, type BindingInvokeResponse, type InputBindingHandler } from './contract';

export class MqttBinding {
  private client: MqttClient | undefined;
  private readonly topic: string;
  private readonly qos: 0 | 1 | 2;
  private readonly handlers = new Set<InputBindingHandler>();

  constructor(private readonly component: ResolvedComponent, private readonly ctx: ComponentContext) {
    this.topic = component.metadata.topic ?? '';
    const q = Number(component.metadata.qos ?? 1);
    this.qos = q === 0 || q === 2 ? q : 1;
  }

  async init(): Promise<void> {
    const md = this.component.metadata;
    if (!md.url) throw new Error('mqtt binding: required metadata "url" is missing');
    if (!this.topic) throw new Error('mqtt binding: required metadata "topic" is missing');
    const client = await mqtt.connectAsync(md.url, {
      clientId: md.consumerID || `${this.ctx.appId}-${randomUUID().slice(0, 8)}`,
      clean: boolMeta(md.cleanSession, true),
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
    });
    client.on('error', () => undefined);
    client.on('message', (topic, payload) => {
      for (const h of this.handlers) void h({ data: Buffer.from(payload), metadata: { topic } }).catch(() => undefined);
    });
    this.client = client;
  }

  features(): readonly string[] {
    return [];
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    this.handlers.clear();
    await c?.endAsync().catch(() => undefined);
  }

  private mqtt(): MqttClient {
    if (!this.client) throw new Error('mqtt binding is not connected');
    return this.client;
  }

  operations(): readonly string[] {
    return ['create'];
  }

  async invoke(req: BindingInvokeRequest): Promise<BindingInvokeResponse> {
    const opts: IClientPublishOptions = { qos: this.qos, retain: boolMeta(req.metadata.retain ?? this.component.metadata.retain, false) };
    await this.mqtt().publishAsync(req.metadata.topic || this.topic, req.data, opts);
    return {};
  }

  async read(handler: InputBindingHandler): Promise<() => Promise<void>> {
    const client = this.mqtt();
    this.handlers.add(handler);
    if (this.handlers.size === 1) await client.subscribeAsync(this.topic, { qos: this.qos });
    return async () => {
      this.handlers.delete(handler);
      if (this.handlers.size === 0 && this.client === client) await client.unsubscribeAsync(this.topic).catch(() => undefined);
    };
  }
}

export const mqttBindingDriver: ComponentDriver<MqttBinding> = {
  types: ['bindings.mqtt3', 'bindings.mqtt'],
  versions: ['v1'],
  create: (c, ctx) => new MqttBinding(c, ctx),
};
