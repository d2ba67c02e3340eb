/**
 * The distributed lock building block (alpha). A lock is a resource id held by one owner until it
 * unlocks or the expiry passes. Keys arrive already prefixed by the runtime (see api/lock/lock-key.ts).
 */
import type { ComponentInstance } from '../contract';

/** UnlockResponse.Status numbers of dapr.proto.runtime.v1. */
export const UnlockStatus = { SUCCESS: 0, LOCK_DOES_NOT_EXIST: 1, LOCK_BELONGS_TO_OTHERS: 2, INTERNAL_ERROR: 3 } as const;
export type UnlockStatusValue = (typeof UnlockStatus)[keyof typeof UnlockStatus];

export interface LockStore extends ComponentInstance {
  /** True when the caller now holds the lock; false when someone else holds an unexpired one. */
  tryLock(resourceId: string, owner: string, expirySeconds: number): Promise<boolean>;
  unlock(resourceId: string, owner: string): Promise<UnlockStatusValue>;
}
