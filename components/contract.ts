/**
 * Components: one interface per building block, drivers registered explicitly by Dapr type name and
 * version (`state.redis`/`v1`, aliases such as `pubsub.mqtt` for `pubsub.mqtt3`). A driver receives
 * its metadata already resolved (env refs, secretKeyRef and {uuid}/{appID}/{namespace} templates).
 */
import type { Logger } from '../observability/logger';

/** The building block a component type belongs to: the part of `type` before the first dot. */
export type BuildingBlock =
  | 'state' | 'pubsub' | 'bindings' | 'secretstores' | 'configuration' | 'lock'
  | 'middleware' | 'nameresolution' | 'crypto' | 'conversation';

export interface ComponentContext {
  readonly appId: string;
  readonly namespace: string;
  /** Where embedded drivers keep their files. */
  readonly dataDir: string;
  readonly logger: Logger;
}

/** A component as loaded from YAML, metadata resolved to strings. */
export interface ResolvedComponent {
  readonly name: string;
  readonly type: string;
  readonly version: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Where it came from, for logs: file path or "embedded default". */
  readonly source: string;
}

/** What every driver instance offers. */
export interface ComponentInstance {
  /** Connect, create tables, start background work. Rejects with a clear message on failure. */
  init(): Promise<void>;
  /** Capabilities the metadata API lists (ETAG, TRANSACTIONAL, TTL, QUERY_API, ACTOR, ...). */
  features(): readonly string[];
  /** Release connections and timers. Must be safe to call after a failed init. */
  close(): Promise<void>;
  /** Optional liveness check for honest health reporting. */
  ping?(): Promise<void>;
}

export interface ComponentDriver<T extends ComponentInstance = ComponentInstance> {
  /** Type names, the canonical one first, then aliases. */
  readonly types: readonly string[];
  /** Versions accepted (e.g. ['v1'] or ['v1', 'v2']). */
  readonly versions: readonly string[];
  create(component: ResolvedComponent, ctx: ComponentContext): T;
}

export function buildingBlockOf(type: string): string {
  const dot = type.indexOf('.');
  return dot < 0 ? type : type.slice(0, dot);
}
