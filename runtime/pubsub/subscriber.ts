/**
 * One running subscription: subscribes to the broker with the consumer group and in-flight bound,
 * and settles each message through delivery.ts (or bulk-delivery.ts). Metadata it reads:
 *   rawPayload             subscription metadata, "true" = messages are not CloudEvents
 *   consumerID             consumer group (subscription, else component metadata; default the app
 *                          id so replicas compete; "{uuid}" = a fresh id per sidecar = fan-out)
 *   maxConcurrentHandlers  Outrigger: deliveries in flight at once for this subscription (default
 *                          100; 1 keeps the broker's order). Bulk: batches of maxMessagesCount.
 * stop() stops taking messages, lets in-flight deliveries finish (within the grace period) and
 * hands waiting ones back to the broker.
 */
import { randomUUID } from 'node:crypto';
import type { PubSub, PubsubMessage } from '../../components/pubsub/contract';
import type { Logger } from '../../observability/logger';
import type { PubsubApi } from '../../api/pubsub/pubsub-api';
import { rawPayloadOf } from '../../api/pubsub/pubsub-api';
import { canSubscribe } from '../../api/pubsub/scoping';
import { compileRules } from './routing';
import { deliverOne, type DeliveryContext } from './delivery';
import { BulkBatcher, deliverBatch } from './bulk-delivery';
import { HealthGate, Limiter, type HealthSource } from './flow-control';
import type { Postman } from './postman';
import type { RetryPolicy } from './retry-policy';
import type { SubscriptionSpec } from './subscription-spec';

export const DEFAULT_MAX_IN_FLIGHT = 100;

export interface SubscriberDeps {
  readonly appId: string;
  readonly namespace: string;
  readonly logger: Logger;
  readonly api: PubsubApi;
  readonly postman: Postman;
  /** App health; deliveries wait while unhealthy. Undefined = always deliver (streaming). */
  readonly health?: HealthSource;
  readonly retryPolicy: RetryPolicy;
  /** Replaces "{uuid}" in consumerID: one id per sidecar instance. */
  readonly instanceId: string;
}

export type StartResult = { readonly ok: true; readonly subscription: ActiveSubscription } | { readonly ok: false; readonly message: string };

function positiveInt(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export function consumerGroupOf(spec: SubscriptionSpec, componentMd: Readonly<Record<string, string>>, deps: Pick<SubscriberDeps, 'appId' | 'namespace' | 'instanceId'>): string {
  const raw = spec.metadata.consumerID || componentMd.consumerID || deps.appId;
  return raw.replace(/\{uuid\}/g, deps.instanceId).replace(/\{appID\}/g, deps.appId).replace(/\{namespace\}/g, deps.namespace);
}

export class ActiveSubscription {
  private readonly gate: HealthGate;
  private readonly limiter: Limiter;
  private batcher: BulkBatcher | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private inflight = 0;
  private idle: (() => void) | undefined;
  private stopping = false;

  private constructor(
    readonly spec: SubscriptionSpec,
    /** The driver instance subscribed to (a reloaded component means a restart). */
    readonly instance: PubSub,
    private readonly ctx: DeliveryContext,
    gate: HealthGate,
    private readonly abort: AbortController,
    readonly maxInFlight: number,
  ) {
    this.gate = gate;
    this.limiter = new Limiter(maxInFlight);
    if (spec.bulk) this.batcher = new BulkBatcher(spec.bulk, (items) => deliverBatch(this.ctx, items));
  }

  static async start(spec: SubscriptionSpec, deps: SubscriberDeps): Promise<StartResult> {
    const r = deps.api.resolve(spec.pubsubName, spec.topic);
    if (!r.ok) return { ok: false, message: r.error.message };
    if (!canSubscribe(spec.topic, r.value.scopes)) return { ok: false, message: `subscription to topic '${spec.topic}' on pubsub '${spec.pubsubName}' is not allowed` };
    const raw = rawPayloadOf(spec.metadata);
    if (typeof raw === 'string') return { ok: false, message: raw };
    const rules = compileRules(spec.rules);
    if (!rules.ok) return { ok: false, message: rules.message };
    const componentMd = deps.api.deps.pubsubs.metadataOf(spec.pubsubName);
    const configured = positiveInt(spec.metadata.maxConcurrentHandlers) ?? positiveInt(componentMd.maxConcurrentHandlers);
    const maxInFlight = spec.bulk ? spec.bulk.maxMessagesCount * (configured ?? 1) : configured ?? DEFAULT_MAX_IN_FLIGHT;
    const gate = new HealthGate(deps.health);
    const abort = new AbortController();
    const log = deps.logger.child(`${spec.pubsubName}/${spec.topic}`);
    const brokerTopic = r.value.brokerTopic(spec.topic);
    const ctx: DeliveryContext = {
      pubsubName: spec.pubsubName, topic: spec.topic, rules: rules.rules, rawPayload: raw,
      namespacePrefix: brokerTopic.slice(0, brokerTopic.length - spec.topic.length),
      ...(spec.deadLetterTopic ? { deadLetterTopic: spec.deadLetterTopic } : {}),
      postman: deps.postman, gate, policy: deps.retryPolicy, signal: abort.signal, logger: log,
      deadLetter: async (msg: PubsubMessage) => {
        const res = await deps.api.publishBytes(spec.pubsubName, spec.deadLetterTopic!, msg.data, msg.contentType, msg.metadata);
        if (!res.ok) log.error(`error sending message to dead letter, origin topic: ${spec.topic} dead letter topic ${spec.deadLetterTopic}: ${res.error.message}`);
        return res.ok;
      },
    };
    const sub = new ActiveSubscription(spec, r.value.pubsub, ctx, gate, abort, maxInFlight);
    try {
      sub.unsubscribe = await r.value.pubsub.subscribe({
        topic: brokerTopic, metadata: spec.metadata, consumerGroup: consumerGroupOf(spec, componentMd, deps), maxInFlight,
      }, (msg) => sub.handle(msg));
    } catch (e) {
      gate.close();
      return { ok: false, message: `failed to subscribe to topic ${spec.topic}: ${(e as Error).message}` };
    }
    return { ok: true, subscription: sub };
  }

  private async handle(msg: PubsubMessage): Promise<void | 'drop'> {
    if (this.stopping) throw new Error('subscription is closed');
    this.inflight++;
    try {
      if (this.batcher) return await this.batcher.add(msg);
      await this.limiter.acquire();
      try {
        return await deliverOne(this.ctx, msg);
      } finally {
        this.limiter.release();
      }
    } finally {
      if (--this.inflight === 0) this.idle?.();
    }
  }

  /** Stops taking messages; waits up to graceMs for deliveries in flight. */
  async stop(graceMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.limiter.stop();
    this.batcher?.stop();
    this.gate.close();
    this.abort.abort();
    const drained = this.inflight === 0 ? Promise.resolve() : new Promise<void>((r) => { this.idle = r; });
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((r) => { timer = setTimeout(r, graceMs); });
    await Promise.race([Promise.all([drained, this.unsubscribe?.().catch(() => undefined)]), grace]);
    clearTimeout(timer);
  }
}

export function newInstanceId(): string {
  return randomUUID();
}
