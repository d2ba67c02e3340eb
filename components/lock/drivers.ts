/** Lock store drivers, registered explicitly by Dapr type name; modules load on first use. */
import type { ComponentDriver } from '../contract';
import type { LockStore } from './contract';
import { lazyDriver } from '../lazy-driver';

export const lockDrivers: ComponentDriver<LockStore>[] = [
  lazyDriver(['lock.redis'], ['v1'], () => (require('./redis-lock') as typeof import('./redis-lock')).redisLockDriver),
  lazyDriver(['lock.postgresql'], ['v1'], () => (require('./postgresql-lock') as typeof import('./postgresql-lock')).postgresLockDriver),
];
