/**
 * The actor state store: the state component with metadata `actorStateStore: "true"`, which must
 * be transactional. Actor state keys are `<appId>||<type>||<id>||<key>`; values are stored as the
 * bytes the caller sent (the JSON of an HTTP value).
 */
import type { DaprError } from '../../errors/dapr-error';
import type { StateOperation, StateStore } from '../../components/state/contract';
import { ActorErrors } from './errors';

export interface ActorStoreSource {
  /** Every loaded state store with its resolved metadata. */
  stores(): Iterable<{ readonly name: string; readonly store: StateStore; readonly metadata: Readonly<Record<string, string>> }>;
}

export interface ActorStateOp {
  readonly operation: 'upsert' | 'delete';
  readonly key: string;
  /** Bytes to store (upsert). */
  readonly value?: Buffer;
  readonly metadata?: Readonly<Record<string, string>>;
}

export function isActorStateStore(metadata: Readonly<Record<string, string>>): boolean {
  const v = Object.entries(metadata).find(([k]) => k.toLowerCase() === 'actorstatestore')?.[1];
  return v !== undefined && v.trim().toLowerCase() === 'true';
}

/** The configured actor state store, or undefined. */
export function findActorStore(src: ActorStoreSource): { name: string; store: StateStore } | undefined {
  for (const s of src.stores()) if (isActorStateStore(s.metadata) && typeof s.store.multi === 'function') return { name: s.name, store: s.store };
  return undefined;
}

export function actorStateKey(appId: string, type: string, id: string, key: string): string {
  return `${appId}||${type}||${id}||${key}`;
}

export async function getActorState(store: StateStore, appId: string, type: string, id: string, key: string): Promise<{ data: Buffer; metadata?: Readonly<Record<string, string>> } | undefined | DaprError> {
  try {
    const item = await store.get({ key: actorStateKey(appId, type, id, key) });
    if (!item) return undefined;
    return item.metadata ? { data: item.data, metadata: item.metadata } : { data: item.data };
  } catch (e) {
    return ActorErrors.stateGet((e as Error).message);
  }
}

export async function actorStateTransaction(store: StateStore, appId: string, type: string, id: string, ops: readonly ActorStateOp[]): Promise<void | DaprError> {
  const mapped: StateOperation[] = ops.map((o) => {
    const key = actorStateKey(appId, type, id, o.key);
    return o.operation === 'upsert'
      ? { operation: 'upsert', request: { key, value: o.value ?? Buffer.alloc(0), ...(o.metadata ? { metadata: o.metadata } : {}) } }
      : { operation: 'delete', request: { key, ...(o.metadata ? { metadata: o.metadata } : {}) } };
  });
  if (mapped.length === 0) return;
  try {
    await store.multi!(mapped);
  } catch (e) {
    return ActorErrors.stateTransaction((e as Error).message);
  }
}
