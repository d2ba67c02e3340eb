/**
 * One shape for every subscription, whatever declared it: an HTTP app's GET /dapr/subscribe (v1
 * `route` or v2 `routes`), a gRPC app's ListTopicSubscriptions, a declarative Subscription resource
 * (v1alpha1/v2alpha1, scoped) or a streaming client. The default route becomes the last rule with an
 * empty match; a subscription with no route at all is ignored (as daprd does).
 */
import type { ListTopicSubscriptionsResponse } from '@dapr/dapr/proto/dapr/proto/runtime/v1/appcallback_pb';
import type { SubscriptionResource } from '../../config/schemas/subscription';
import type { RouteRule } from './routing';

export type SubscriptionKind = 'DECLARATIVE' | 'PROGRAMMATIC' | 'STREAMING';

export interface BulkSettings {
  readonly maxMessagesCount: number;
  readonly maxAwaitDurationMs: number;
}

export interface SubscriptionSpec {
  readonly kind: SubscriptionKind;
  readonly pubsubName: string;
  readonly topic: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly rules: readonly RouteRule[];
  readonly deadLetterTopic?: string;
  readonly bulk?: BulkSettings;
}

export const DEFAULT_BULK: BulkSettings = { maxMessagesCount: 100, maxAwaitDurationMs: 1000 };

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!v || typeof v !== 'object' || Array.isArray(v)) return out;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === undefined || x === null) continue;
    out[k] = typeof x === 'string' ? x : JSON.stringify(x);
  }
  return out;
}

function bulkOf(v: unknown): BulkSettings | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const enabled = o.enabled === true || o.enabled === 'true';
  if (!enabled) return undefined;
  const count = Number(o.maxMessagesCount);
  const wait = Number(o.maxAwaitDurationMs);
  return {
    maxMessagesCount: Number.isFinite(count) && count > 0 ? Math.floor(count) : DEFAULT_BULK.maxMessagesCount,
    maxAwaitDurationMs: Number.isFinite(wait) && wait > 0 ? Math.floor(wait) : DEFAULT_BULK.maxAwaitDurationMs,
  };
}

function rulesOf(route: string | undefined, routes: { rules?: unknown; default?: unknown } | undefined): RouteRule[] {
  const out: RouteRule[] = [];
  if (routes && Array.isArray(routes.rules)) {
    for (const r of routes.rules) {
      if (!r || typeof r !== 'object') continue;
      const o = r as Record<string, unknown>;
      if (typeof o.path !== 'string' || o.path === '') continue;
      out.push({ match: typeof o.match === 'string' ? o.match : '', path: o.path });
    }
  }
  const def = routes && typeof routes.default === 'string' ? routes.default : '';
  if (def) out.push({ match: '', path: def });
  else if (route) out.push({ match: '', path: route });
  return out;
}

/** Entries of GET /dapr/subscribe. Invalid entries (or ones without any route) are skipped. */
export function fromHttpSubscribe(raw: readonly unknown[]): SubscriptionSpec[] {
  const out: SubscriptionSpec[] = [];
  for (const s of raw) {
    if (!s || typeof s !== 'object') continue;
    const o = s as Record<string, unknown>;
    if (typeof o.pubsubname !== 'string' || typeof o.topic !== 'string' || !o.pubsubname || !o.topic) continue;
    const routes = o.routes && typeof o.routes === 'object' ? (o.routes as { rules?: unknown; default?: unknown }) : undefined;
    const rules = rulesOf(typeof o.route === 'string' ? o.route : undefined, routes);
    if (rules.length === 0) continue;
    const bulk = bulkOf(o.bulkSubscribe);
    out.push({
      kind: 'PROGRAMMATIC', pubsubName: o.pubsubname, topic: o.topic, metadata: stringMap(o.metadata), rules,
      ...(typeof o.deadLetterTopic === 'string' && o.deadLetterTopic ? { deadLetterTopic: o.deadLetterTopic } : {}),
      ...(bulk ? { bulk } : {}),
    });
  }
  return out;
}

/** A gRPC app's ListTopicSubscriptions answer. */
export function fromGrpcSubscriptions(res: ListTopicSubscriptionsResponse): SubscriptionSpec[] {
  const out: SubscriptionSpec[] = [];
  for (const s of res.subscriptions) {
    if (!s.pubsubName || !s.topic) continue;
    // gRPC apps need no route: events go to OnTopicEvent with `path` telling the rule that matched.
    const rules = rulesOf(undefined, s.routes ? { rules: s.routes.rules.map((r) => ({ match: r.match, path: r.path })), default: s.routes.default } : undefined);
    if (rules.length === 0) rules.push({ match: '', path: '' });
    const bulk = s.bulkSubscribe?.enabled ? bulkOf({ enabled: true, maxMessagesCount: s.bulkSubscribe.maxMessagesCount, maxAwaitDurationMs: s.bulkSubscribe.maxAwaitDurationMs }) : undefined;
    out.push({
      kind: 'PROGRAMMATIC', pubsubName: s.pubsubName, topic: s.topic, metadata: { ...s.metadata }, rules,
      ...(s.deadLetterTopic ? { deadLetterTopic: s.deadLetterTopic } : {}),
      ...(bulk ? { bulk } : {}),
    });
  }
  return out;
}

/** Declarative Subscription resources scoped to this app (no scopes = every app). */
export function fromDeclarative(resources: readonly SubscriptionResource[], appId: string): SubscriptionSpec[] {
  const out: SubscriptionSpec[] = [];
  for (const r of resources) {
    if (r.scopes.length > 0 && !r.scopes.includes(appId)) continue;
    const rules = rulesOf(undefined, r.spec.routes);
    if (rules.length === 0) continue;
    const bulk = r.spec.bulkSubscribe?.enabled ? bulkOf({ ...r.spec.bulkSubscribe }) : undefined;
    out.push({
      kind: 'DECLARATIVE', pubsubName: r.spec.pubsubname, topic: r.spec.topic, metadata: { ...r.spec.metadata }, rules,
      ...(r.spec.deadLetterTopic ? { deadLetterTopic: r.spec.deadLetterTopic } : {}),
      ...(bulk ? { bulk } : {}),
    });
  }
  return out;
}

/** Identity of a subscription for reconciling (same pubsub and topic = same subscription). */
export function specKey(s: SubscriptionSpec): string {
  return `${s.pubsubName}\u0000${s.topic}`;
}

export function sameSpec(a: SubscriptionSpec, b: SubscriptionSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
