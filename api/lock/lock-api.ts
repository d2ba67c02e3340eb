/** The distributed lock building block, protocol-neutral: validation, key prefixing, the store call. */
import type { DaprError } from '../../errors/dapr-error';
import type { LockStore, UnlockStatusValue } from '../../components/lock/contract';
import { LockErrors } from './errors';
import { lockKey } from './lock-key';

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DaprError };

export interface LockApiDeps {
  readonly appId: string;
  readonly stores: () => ReadonlyMap<string, LockStore>;
  /** The component's resolved metadata (for keyPrefix). */
  readonly metadataOf: (store: string) => Readonly<Record<string, string>> | undefined;
}

const fail = <T>(error: DaprError): Result<T> => ({ ok: false, error });
const why = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class LockApi {
  constructor(readonly deps: LockApiDeps) {}

  private prepare(store: string, resourceId: string, owner: string): Result<{ store: LockStore; key: string }> {
    const stores = this.deps.stores();
    if (stores.size === 0) return fail(LockErrors.notConfigured());
    const s = stores.get(store);
    if (!s) return fail(LockErrors.notFound(store));
    if (!resourceId) return fail(LockErrors.resourceIdEmpty(store));
    if (!owner) return fail(LockErrors.ownerEmpty(store));
    const key = lockKey(resourceId, store, this.deps.appId, this.deps.metadataOf(store)?.keyPrefix);
    if (key instanceof Error) return fail(LockErrors.malformed(key.message));
    return { ok: true, value: { store: s, key } };
  }

  async tryLock(store: string, resourceId: string, owner: string, expirySeconds: number): Promise<Result<boolean>> {
    const p = this.prepare(store, resourceId, owner);
    if (!p.ok) return p;
    if (!(expirySeconds > 0)) return fail(LockErrors.expiryNotPositive(store));
    try {
      return { ok: true, value: await p.value.store.tryLock(p.value.key, owner, Math.floor(expirySeconds)) };
    } catch (e) {
      return fail(LockErrors.tryLock(why(e)));
    }
  }

  async unlock(store: string, resourceId: string, owner: string): Promise<Result<UnlockStatusValue>> {
    const p = this.prepare(store, resourceId, owner);
    if (!p.ok) return p;
    try {
      return { ok: true, value: await p.value.store.unlock(p.value.key, owner) };
    } catch (e) {
      return fail(LockErrors.unlock(why(e)));
    }
  }
}
