/**
 * The app's actor configuration from GET /dapr/config: the types it hosts and, per type, the idle
 * timeout, drain timeout and reentrancy settings (entitiesConfig overrides the top level).
 * `actorScanInterval` is accepted and ignored, as current daprd does.
 */
import { parseGoDuration } from '../../config/duration';
import { parseIsoDuration } from './schedule';

export interface ActorTypeConfig {
  readonly idleTimeoutMs: number;
  readonly drainTimeoutMs: number;
  readonly reentrancy: { readonly enabled: boolean; readonly maxStackDepth: number };
}

export interface ActorHostConfig {
  readonly entities: readonly string[];
  readonly defaults: ActorTypeConfig;
  readonly perType: ReadonlyMap<string, ActorTypeConfig>;
  /** Whether drainOngoingCallTimeout applies also to actors moved away (kept for the metadata). */
  readonly drainRebalancedActors: boolean;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 60 * 60_000;
export const DEFAULT_DRAIN_TIMEOUT_MS = 2_000;
export const DEFAULT_MAX_STACK_DEPTH = 32;

function duration(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const s = v.trim();
  const ms = /^[pP]/.test(s) ? parseIsoDuration(s) : parseGoDuration(s);
  return ms !== undefined && ms >= 0 ? ms : undefined;
}

function typeConfig(raw: Record<string, unknown>, base: ActorTypeConfig): ActorTypeConfig {
  const re = raw.reentrancy && typeof raw.reentrancy === 'object' ? raw.reentrancy as Record<string, unknown> : undefined;
  const depth = re?.maxStackDepth;
  return {
    idleTimeoutMs: duration(raw.actorIdleTimeout) ?? base.idleTimeoutMs,
    drainTimeoutMs: duration(raw.drainOngoingCallTimeout) ?? base.drainTimeoutMs,
    reentrancy: re
      ? { enabled: re.enabled === true, maxStackDepth: typeof depth === 'number' && depth > 0 ? Math.floor(depth) : DEFAULT_MAX_STACK_DEPTH }
      : base.reentrancy,
  };
}

/** Undefined when the app hosts no actors (no /dapr/config, or no entities). */
export function parseActorHostConfig(raw: Record<string, unknown> | undefined): ActorHostConfig | undefined {
  if (!raw) return undefined;
  const entities = Array.isArray(raw.entities) ? raw.entities.filter((e): e is string => typeof e === 'string' && e !== '') : [];
  if (entities.length === 0) return undefined;
  const defaults = typeConfig(raw, { idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS, drainTimeoutMs: DEFAULT_DRAIN_TIMEOUT_MS, reentrancy: { enabled: false, maxStackDepth: DEFAULT_MAX_STACK_DEPTH } });
  const perType = new Map<string, ActorTypeConfig>();
  if (Array.isArray(raw.entitiesConfig)) {
    for (const ec of raw.entitiesConfig) {
      if (!ec || typeof ec !== 'object' || !Array.isArray((ec as { entities?: unknown }).entities)) continue;
      const cfg = typeConfig(ec as Record<string, unknown>, defaults);
      for (const t of (ec as { entities: unknown[] }).entities) if (typeof t === 'string') perType.set(t, cfg);
    }
  }
  return { entities: [...new Set(entities)], defaults, perType, drainRebalancedActors: raw.drainRebalancedActors !== false };
}

export function configFor(c: ActorHostConfig, type: string): ActorTypeConfig {
  return c.perType.get(type) ?? c.defaults;
}
