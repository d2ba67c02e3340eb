/**
 * The publishing side of the pub/sub API, protocol-neutral: component lookup, validation, topic
 * scoping, CloudEvent envelopes, TTL and error mapping live here once; http-routes.ts and
 * grpc-handlers.ts only translate wire formats. Every method resolves to a result value.
 */
import type { DaprError } from '../../errors/dapr-error';
import type { Logger } from '../../observability/logger';
import type { BulkPublishEntry, PubSub } from '../../components/pubsub/contract';
import { PubsubErrors } from './errors';
import { applyTtl, buildEnvelope, encodeEvent, newTraceParent, withoutOverrides } from './envelope';
import { CLOUD_EVENT_CONTENT_TYPE, parseGoBool } from './content-type';
import { canPublish, topicScopes, type TopicScopes } from './scoping';

/** The pub/sub components the API can reach, by component name. */
export interface PubsubRegistry {
  get(name: string): PubSub | undefined;
  readonly size: number;
  /** The component's resolved metadata ({} when unknown). */
  metadataOf(name: string): Readonly<Record<string, string>>;
  /** True when the component's metadata used `{namespace}`: topics are then prefixed with the namespace. */
  namespaceScoped?(name: string): boolean;
}

export interface PubsubApiDeps {
  readonly appId: string;
  readonly namespace: string;
  readonly logger: Logger;
  readonly maxBodySize: number;
  readonly pubsubs: PubsubRegistry;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DaprError };
const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = <T>(error: DaprError): Result<T> => ({ ok: false, error });

export interface TraceInput {
  readonly traceParent?: string;
  readonly traceState?: string;
}

export interface PublishInput extends TraceInput {
  readonly pubsub: string;
  readonly topic: string;
  readonly data: Buffer;
  readonly contentType?: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface BulkEntryInput {
  readonly entryId: string;
  /** The event bytes (already decoded from the wire by content type). */
  readonly event: Buffer;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface BulkPublishInput extends TraceInput {
  readonly pubsub: string;
  readonly topic: string;
  readonly entries: readonly BulkEntryInput[];
  readonly metadata: Readonly<Record<string, string>>;
}

export interface FailedEntry { readonly entryId: string; readonly error: string }

export interface ResolvedPubsub {
  readonly name: string;
  readonly pubsub: PubSub;
  readonly scopes: TopicScopes;
  /** The topic name on the broker (namespace-prefixed for namespace-scoped components). */
  brokerTopic(topic: string): string;
}

/** rawPayload from metadata, or an error text. */
export function rawPayloadOf(md: Readonly<Record<string, string>>): boolean | string {
  const v = md.rawPayload;
  if (v === undefined || v === '') return false;
  const b = parseGoBool(v);
  return b === undefined ? `rawPayload value must be a valid boolean: actual is '${v}'` : b;
}

export class PubsubApi {
  private readonly scopeCache = new WeakMap<object, TopicScopes>();

  constructor(readonly deps: PubsubApiDeps) {}

  /** Validates names in daprd's order and finds the component. */
  resolve(pubsubName: string, topic: string): Result<ResolvedPubsub> {
    const { appId, pubsubs, namespace } = this.deps;
    if (!pubsubName) return fail(PubsubErrors.nameEmpty(appId));
    if (pubsubs.size === 0) return fail(PubsubErrors.notConfigured(appId, pubsubName));
    const pubsub = pubsubs.get(pubsubName);
    if (!pubsub) return fail(PubsubErrors.notFound(appId, pubsubName));
    if (!topic) return fail(PubsubErrors.topicEmpty(appId, pubsubName));
    const md = pubsubs.metadataOf(pubsubName);
    let scopes = this.scopeCache.get(md);
    if (!scopes) this.scopeCache.set(md, (scopes = topicScopes(md, appId)));
    const prefix = pubsubs.namespaceScoped?.(pubsubName) ? namespace : '';
    return ok({ name: pubsubName, pubsub, scopes, brokerTopic: (t) => prefix + t });
  }

  /** Publishes one event (CE-wrapped unless rawPayload). */
  async publish(input: PublishInput): Promise<Result<void>> {
    const r = this.resolve(input.pubsub, input.topic);
    if (!r.ok) return r;
    const { appId } = this.deps;
    const raw = rawPayloadOf(input.metadata);
    if (typeof raw === 'string') return fail(PubsubErrors.requestMetadata(appId, input.pubsub, raw));
    let data = input.data;
    let contentType = input.contentType;
    if (!raw) {
      const env = buildEnvelope({ topic: input.topic, pubsub: input.pubsub, source: appId, data, ...(contentType ? { dataContentType: contentType } : {}), traceParent: input.traceParent || newTraceParent(), ...(input.traceState ? { traceState: input.traceState } : {}), metadata: input.metadata });
      if (!env.ok) return fail(PubsubErrors.cloudEventsSer(appId, input.pubsub, input.topic, env.message));
      applyTtl(env.event, r.value.pubsub.features(), input.metadata);
      data = encodeEvent(env.event);
      contentType = CLOUD_EVENT_CONTENT_TYPE;
    }
    return this.send(r.value, input.topic, data, contentType, withoutOverrides(input.metadata));
  }

  /**
   * Publishes bytes as they are (dead letters, outbox relays): scoping applies, no envelope is built.
   */
  async publishBytes(pubsubName: string, topic: string, data: Buffer, contentType: string | undefined, metadata: Readonly<Record<string, string>>): Promise<Result<void>> {
    const r = this.resolve(pubsubName, topic);
    if (!r.ok) return r;
    return this.send(r.value, topic, data, contentType, metadata);
  }

  private async send(p: ResolvedPubsub, topic: string, data: Buffer, contentType: string | undefined, metadata: Record<string, string> | Readonly<Record<string, string>>): Promise<Result<void>> {
    const { appId } = this.deps;
    if (!canPublish(topic, p.scopes)) return fail(PubsubErrors.forbidden(appId, p.name, topic));
    try {
      await p.pubsub.publish({ topic: p.brokerTopic(topic), data, metadata, ...(contentType ? { contentType } : {}) });
      return ok(undefined);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if ((e as { code?: unknown }).code === 'NOT_FOUND') return fail(PubsubErrors.componentNotFound(appId, p.name, topic, msg));
      return fail(PubsubErrors.publishFailed(appId, p.name, topic, msg));
    }
  }

  /** Bulk publish: resolves the failed entries (empty = all published). */
  async bulkPublish(input: BulkPublishInput): Promise<Result<FailedEntry[]>> {
    const r = this.resolve(input.pubsub, input.topic);
    if (!r.ok) return r;
    const { appId } = this.deps;
    const seen = new Set<string>();
    for (const e of input.entries) {
      if (!e.entryId) return fail(PubsubErrors.eventsSer(appId, input.pubsub, input.topic, 'entryId is duplicated or not present for entry'));
      if (seen.has(e.entryId)) return fail(PubsubErrors.eventsSer(appId, input.pubsub, input.topic, `entryId is duplicated or not present for entry: ${e.entryId}`));
      seen.add(e.entryId);
    }
    const raw = rawPayloadOf(input.metadata);
    if (typeof raw === 'string') return fail(PubsubErrors.requestMetadata(appId, input.pubsub, raw));
    const traceParent = input.traceParent || newTraceParent();
    const entries: BulkPublishEntry[] = [];
    for (const e of input.entries) {
      const md = { ...input.metadata, ...e.metadata };
      if (raw) {
        entries.push({ entryId: e.entryId, data: e.event, contentType: e.contentType, metadata: withoutOverrides(md) });
        continue;
      }
      const env = buildEnvelope({ topic: input.topic, pubsub: input.pubsub, source: appId, data: e.event, dataContentType: e.contentType, traceParent, ...(input.traceState ? { traceState: input.traceState } : {}), metadata: e.metadata });
      if (!env.ok) return fail(PubsubErrors.cloudEventsSer(appId, input.pubsub, input.topic, env.message));
      applyTtl(env.event, r.value.pubsub.features(), md);
      entries.push({ entryId: e.entryId, data: encodeEvent(env.event), contentType: CLOUD_EVENT_CONTENT_TYPE, metadata: withoutOverrides(md) });
    }
    if (!canPublish(input.topic, r.value.scopes)) return fail(PubsubErrors.forbidden(appId, input.pubsub, input.topic));
    if (entries.length === 0) return ok([]);
    const ps = r.value.pubsub;
    const brokerTopic = r.value.brokerTopic(input.topic);
    if (ps.bulkPublish) {
      try {
        const res = await ps.bulkPublish(brokerTopic, entries);
        return ok([...res.failedEntries]);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        return ok(entries.map((x) => ({ entryId: x.entryId, error: msg })));
      }
    }
    const failed: FailedEntry[] = [];
    await Promise.all(entries.map(async (x) => {
      try {
        await ps.publish({ topic: brokerTopic, data: x.data, metadata: x.metadata, ...(x.contentType ? { contentType: x.contentType } : {}) });
      } catch (e) {
        failed.push({ entryId: x.entryId, error: e instanceof Error ? e.message : String(e) });
      }
    }));
    return ok(failed);
  }
}
