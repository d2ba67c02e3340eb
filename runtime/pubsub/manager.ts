/**
 * Keeps the running subscriptions equal to the declared ones. Declarations arrive at any time:
 * declarative Subscription resources (reloadable), the app's programmatic list (read once its port
 * answers, possibly long after start), component reloads. Each change reconciles: removed or changed
 * subscriptions stop, new ones start, ones whose component is missing are retried on the next
 * change. A declarative and a programmatic subscription to the same pubsub/topic: declarative wins.
 * Reconciles run one at a time.
 */
import type { Logger } from '../../observability/logger';
import type { MetadataSnapshot } from '../../api/runtime-routes';
import { ActiveSubscription, type SubscriberDeps } from './subscriber';
import { sameSpec, specKey, type SubscriptionSpec } from './subscription-spec';
import type { RetryPolicyProvider } from './retry-policy';
import { DEFAULT_RETRY_POLICY } from './retry-policy';

export interface ManagerDeps extends Omit<SubscriberDeps, 'retryPolicy' | 'postman'> {
  readonly postman: SubscriberDeps['postman'] | undefined;
  readonly retryPolicy?: RetryPolicyProvider;
  readonly logger: Logger;
}

export class SubscriptionManager {
  private declarative: SubscriptionSpec[] = [];
  private programmatic: SubscriptionSpec[] = [];
  private readonly streaming = new Set<SubscriptionSpec>();
  private readonly running = new Map<string, ActiveSubscription>();
  private readonly failed = new Map<string, string>();
  private chain: Promise<void> = Promise.resolve();
  private started = false;
  private stopped = false;

  constructor(private readonly deps: ManagerDeps) {}

  setDeclarative(specs: SubscriptionSpec[]): Promise<void> {
    this.declarative = specs;
    return this.reconcile();
  }

  setProgrammatic(specs: SubscriptionSpec[]): Promise<void> {
    this.programmatic = specs;
    return this.reconcile();
  }

  /** Streaming subscriptions run on their own; they are only listed here. */
  addStreaming(spec: SubscriptionSpec): () => void {
    this.streaming.add(spec);
    return () => { this.streaming.delete(spec); };
  }

  start(): Promise<void> {
    this.started = true;
    return this.reconcile();
  }

  /** The wanted app subscriptions by key (declarative first). */
  desired(): Map<string, SubscriptionSpec> {
    const out = new Map<string, SubscriptionSpec>();
    for (const s of [...this.declarative, ...this.programmatic]) {
      const k = specKey(s);
      if (out.has(k)) {
        if (s.kind === 'PROGRAMMATIC') this.deps.logger.warn(`programmatic subscription to ${s.pubsubName}/${s.topic} ignored: a declarative subscription exists`);
        continue;
      }
      out.set(k, s);
    }
    return out;
  }

  /** Why subscriptions could not start, by "pubsub/topic". */
  failures(): Map<string, string> {
    return new Map(this.failed);
  }

  reconcile(): Promise<void> {
    const next = this.chain.then(() => this.apply());
    this.chain = next.catch((e: unknown) => this.deps.logger.error('reconciling subscriptions failed', { error: (e as Error).message }));
    return this.chain;
  }

  private async apply(): Promise<void> {
    if (!this.started || this.stopped) return;
    const want = this.desired();
    const pubsubs = this.deps.api.deps.pubsubs;
    for (const [k, sub] of this.running) {
      const spec = want.get(k);
      const current = pubsubs.get(sub.spec.pubsubName);
      if (!spec || !sameSpec(spec, sub.spec) || current !== sub.instance) {
        this.running.delete(k);
        await sub.stop(5000);
      }
    }
    this.failed.clear();
    for (const [k, spec] of want) {
      if (this.running.has(k)) continue;
      const postman = this.deps.postman;
      if (!postman) {
        this.failed.set(`${spec.pubsubName}/${spec.topic}`, 'no app channel to deliver to');
        continue;
      }
      const policy = this.deps.retryPolicy?.(spec.pubsubName, spec.topic) ?? DEFAULT_RETRY_POLICY;
      const r = await ActiveSubscription.start(spec, { ...this.deps, postman, retryPolicy: policy });
      if (r.ok) {
        this.running.set(k, r.subscription);
        this.deps.logger.info(`subscribed to topic ${spec.topic} on pubsub ${spec.pubsubName}`, { kind: spec.kind, maxInFlight: r.subscription.maxInFlight });
      } else {
        this.failed.set(`${spec.pubsubName}/${spec.topic}`, r.message);
        this.deps.logger.warn(`subscription to topic ${spec.topic} on pubsub ${spec.pubsubName} not started: ${r.message}`);
      }
    }
  }

  /** The metadata API's view: app subscriptions (running or not) and live streaming ones. */
  list(): MetadataSnapshot['subscriptions'] {
    const all = [...this.desired().values(), ...this.streaming];
    return all.map((s) => ({
      pubsubname: s.pubsubName, topic: s.topic, type: s.kind,
      ...(Object.keys(s.metadata).length ? { metadata: { ...s.metadata } } : {}),
      rules: s.rules.map((r) => ({ match: r.match, path: r.path })),
      ...(s.deadLetterTopic ? { deadLetterTopic: s.deadLetterTopic } : {}),
    }));
  }

  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    await this.chain;
    const subs = [...this.running.values()];
    this.running.clear();
    await Promise.all(subs.map((s) => s.stop(graceMs)));
  }
}
