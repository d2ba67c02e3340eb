/**
 * Transactional outbox (state store metadata outboxPublishPubsub, outboxPublishTopic, outboxPubsub,
 * outboxDiscardWhenMissingState), as daprd runs it:
 *  1. prepare(), called by the state API before it commits a transaction: for every upsert a CE with
 *     id `outbox-<uuid>` is published to the internal topic `<namespace><appId><topic>outbox` on the
 *     outbox pubsub, and an upsert of that key is added to the same transaction. Ops with metadata
 *     `outbox.projection: "true"` are not saved: their value is what gets published for that key.
 *     `cloudevent.*` op metadata overrides the published envelope.
 *  2. The relay (subscribed to the internal topic) waits, with back-off up to ~10 s, until that key
 *     exists (i.e. the transaction committed), then publishes the real event to outboxPublishTopic on
 *     outboxPublishPubsub and deletes the key. Key never appears: discard the event when
 *     outboxDiscardWhenMissingState is true, else hand it back to the broker.
 *  afterCommit() only wakes the relay early; correctness never depends on it.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../observability/logger';
import type { PubsubMessage } from '../../components/pubsub/contract';
import type { StateStore } from '../../components/state/contract';
import type { TxOperation } from '../state/state-api';
import { keyPrefixer } from '../state/key-prefix';
import { PubsubErrors } from './errors';
import { cloudEventOverrides, encodeEvent, newEnvelope, newTraceParent, type CloudEvent } from './envelope';
import { CLOUD_EVENT_CONTENT_TYPE, isTruthy } from './content-type';
import type { PubsubApi, Result, TraceInput } from './pubsub-api';

export interface OutboxConfig {
  readonly publishPubsub: string;
  readonly publishTopic: string;
  readonly outboxPubsub: string;
  readonly discardWhenMissingState: boolean;
}

export function outboxConfigOf(md: Readonly<Record<string, string>>): OutboxConfig | undefined {
  const publishPubsub = md.outboxPublishPubsub ?? '';
  const publishTopic = md.outboxPublishTopic ?? '';
  if (!publishPubsub || !publishTopic) return undefined;
  return { publishPubsub, publishTopic, outboxPubsub: md.outboxPubsub || publishPubsub, discardWhenMissingState: isTruthy(md.outboxDiscardWhenMissingState) };
}

export function outboxTopic(namespace: string, appId: string, topic: string): string {
  return `${namespace}${appId}${topic}outbox`;
}

export interface OutboxPlan {
  /** The operations to commit: the caller's (projections removed) plus one marker upsert per event. */
  readonly ops: TxOperation[];
  /** Call after the transaction committed (optional speed-up). */
  afterCommit(): void;
}

export interface OutboxDeps {
  readonly appId: string;
  readonly namespace: string;
  readonly logger: Logger;
  readonly api: PubsubApi;
  readonly stateStores: () => ReadonlyMap<string, StateStore>;
  readonly stateMetadataOf: (name: string) => Readonly<Record<string, string>> | undefined;
  /** Longest wait for the marker key (default 10 s). */
  readonly waitForStateMs?: number;
}

const PROJECTION = 'outbox.projection';
const OUTBOX_EVENT_ID = 'outboxeventid';

export class TransactionalOutbox {
  private readonly wakers = new Set<() => void>();
  private readonly stops: Array<() => Promise<void>> = [];

  constructor(private readonly deps: OutboxDeps) {}

  enabled(storeMetadata: Readonly<Record<string, string>> | undefined): boolean {
    return !!storeMetadata && outboxConfigOf(storeMetadata) !== undefined;
  }

  /** Step 1 (before commit). The ops are returned unchanged when the store has no outbox. */
  async prepare(storeName: string, storeMetadata: Readonly<Record<string, string>>, ops: readonly TxOperation[], trace: TraceInput = {}): Promise<Result<OutboxPlan>> {
    const c = outboxConfigOf(storeMetadata);
    if (!c) return { ok: true, value: { ops: [...ops], afterCommit: () => undefined } };
    const { appId, namespace } = this.deps;
    const pubsub = this.deps.api.deps.pubsubs.get(c.outboxPubsub);
    if (!pubsub) return { ok: false, error: PubsubErrors.outbox(appId, `outbox pubsub ${c.outboxPubsub} not found for state store ${storeName}`) };
    const projections = new Map<string, TxOperation>();
    for (const op of ops) if (op.operation === 'upsert' && isTruthy(op.request.metadata?.[PROJECTION])) projections.set(op.request.key, op);
    const out: TxOperation[] = [];
    const markers: TxOperation[] = [];
    const traceParent = trace.traceParent || newTraceParent();
    for (const op of ops) {
      if (op.operation === 'upsert' && isTruthy(op.request.metadata?.[PROJECTION])) continue;
      out.push(op);
      if (op.operation !== 'upsert') continue;
      const source = projections.get(op.request.key) ?? op;
      const key = `outbox-${randomUUID()}`;
      const md = { ...(op.request.metadata ?? {}), ...(source.request.metadata ?? {}) };
      const overrides = cloudEventOverrides(md);
      const ce = newEnvelope({
        topic: outboxTopic(namespace, appId, c.publishTopic), pubsub: c.outboxPubsub, source: appId, data: source.request.value,
        dataContentType: md.contentType || guessContentType(source.request.value), traceParent, ...(trace.traceState ? { traceState: trace.traceState } : {}),
        metadata: { ...prefixed(md), 'cloudevent.id': key },
      });
      if (overrides.id) ce[OUTBOX_EVENT_ID] = overrides.id;
      try {
        await pubsub.publish({ topic: outboxTopic(namespace, appId, c.publishTopic), data: encodeEvent(ce), contentType: CLOUD_EVENT_CONTENT_TYPE, metadata: {} });
      } catch (e) {
        return { ok: false, error: PubsubErrors.outbox(appId, (e as Error).message) };
      }
      markers.push({ operation: 'upsert', request: { key, value: Buffer.from('"0"') } });
    }
    return { ok: true, value: { ops: [...out, ...markers], afterCommit: () => { for (const w of [...this.wakers]) w(); } } };
  }

  /** Step 2: one relay per state store with an outbox. Call again after component changes. */
  async start(): Promise<void> {
    await this.stop();
    for (const [storeName, store] of this.deps.stateStores()) {
      const c = outboxConfigOf(this.deps.stateMetadataOf(storeName) ?? {});
      if (!c) continue;
      const pubsub = this.deps.api.deps.pubsubs.get(c.outboxPubsub);
      if (!pubsub) {
        this.deps.logger.warn(`could not subscribe to internal outbox topic: outbox pubsub ${c.outboxPubsub} not loaded`);
        continue;
      }
      const stop = await pubsub.subscribe(
        { topic: outboxTopic(this.deps.namespace, this.deps.appId, c.publishTopic), metadata: {}, consumerGroup: this.deps.appId, maxInFlight: 16 },
        (msg) => this.relay(storeName, store, c, msg),
      );
      this.stops.push(stop);
    }
  }

  async stop(): Promise<void> {
    const stops = this.stops.splice(0);
    await Promise.all(stops.map((s) => s().catch(() => undefined)));
  }

  private async relay(storeName: string, store: StateStore, c: OutboxConfig, msg: PubsubMessage): Promise<void> {
    let ce: CloudEvent;
    try {
      ce = JSON.parse(msg.data.toString('utf8')) as CloudEvent;
    } catch {
      this.deps.logger.error('outbox: dropping an internal message that is not a CloudEvent');
      return;
    }
    const key = typeof ce.id === 'string' ? ce.id : '';
    const prefixer = keyPrefixer(this.deps.stateMetadataOf(storeName)?.keyPrefix, storeName, this.deps.appId, this.deps.namespace);
    const stored = prefixer.modify(key);
    if (!stored.ok) throw new Error(stored.message);
    if (!(await this.waitForKey(store, stored.key))) {
      const why = `cannot publish outbox message to topic ${c.publishTopic} with pubsub ${c.publishPubsub}: outbox state not found`;
      if (c.discardWhenMissingState) {
        this.deps.logger.error(`${why}, discarding message`);
        return;
      }
      this.deps.logger.error(`${why}, rejecting for later processing`);
      throw new Error(why);
    }
    const str = (k: string): string | undefined => (typeof ce[k] === 'string' ? (ce[k] as string) : undefined);
    const data = typeof ce.data_base64 === 'string' ? Buffer.from(ce.data_base64, 'base64') : Buffer.from(typeof ce.data === 'string' ? ce.data : JSON.stringify(ce.data ?? null));
    const md: Record<string, string> = {};
    for (const f of ['type', 'source', 'subject'] as const) if (str(f)) md[`cloudevent.${f}`] = str(f)!;
    if (str(OUTBOX_EVENT_ID)) md['cloudevent.id'] = str(OUTBOX_EVENT_ID)!;
    const final = newEnvelope({
      topic: c.publishTopic, pubsub: c.publishPubsub, source: this.deps.appId, data, dataContentType: str('datacontenttype') ?? 'text/plain',
      ...(str('traceparent') ? { traceParent: str('traceparent')! } : {}), ...(str('tracestate') ? { traceState: str('tracestate')! } : {}), metadata: md,
    });
    const res = await this.deps.api.publishBytes(c.publishPubsub, c.publishTopic, encodeEvent(final), CLOUD_EVENT_CONTENT_TYPE, {});
    if (!res.ok) throw new Error(res.error.message);
    await store.delete({ key: stored.key }).catch((e: unknown) => this.deps.logger.warn(`outbox: deleting ${key} failed: ${(e as Error).message}`));
  }

  /** Polls with back-off (500 ms, x3, at most 3 s apart) until the key exists or the wait is over. */
  private async waitForKey(store: StateStore, key: string): Promise<boolean> {
    const deadline = Date.now() + (this.deps.waitForStateMs ?? 10_000);
    let delay = 500;
    for (;;) {
      const item = await store.get({ key }).catch(() => undefined);
      if (item && item.data.length > 0) return true;
      if (Date.now() >= deadline) return false;
      await new Promise<void>((resolve) => {
        const done = (): void => { clearTimeout(t); this.wakers.delete(done); resolve(); };
        const t = setTimeout(done, Math.min(delay, Math.max(0, deadline - Date.now())));
        this.wakers.add(done);
      });
      delay = Math.min(delay * 3, 3000);
    }
  }
}

function guessContentType(value: Buffer): string {
  try {
    JSON.parse(value.toString('utf8'));
    return 'application/json';
  } catch {
    return 'text/plain';
  }
}

/** Only cloudevent.type/source/subject/trace* travel on the internal event; its id is the marker key. */
function prefixed(md: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(md)) if (k.toLowerCase().startsWith('cloudevent.') && k.toLowerCase() !== 'cloudevent.id') out[k] = v;
  return out;
}
