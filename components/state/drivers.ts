/**
 * The state drivers, registered explicitly by Dapr type name (canonical first, then aliases) and
 * versions. Modules load on first use (components/lazy-driver.ts).
 */
import type { ComponentDriver } from '../contract';
import type { StateStore } from './contract';
import { lazyDriver } from '../lazy-driver';

export const stateDrivers: ComponentDriver<StateStore>[] = [
  lazyDriver(['state.in-memory'], ['v1'], () => (require('./in-memory/in-memory-store') as typeof import('./in-memory/in-memory-store')).inMemoryStateDriver),
  lazyDriver(['state.sqlite'], ['v1'], () => (require('./sqlite/sqlite-store') as typeof import('./sqlite/sqlite-store')).sqliteStateDriver),
  lazyDriver(['state.redis'], ['v1'], () => (require('./redis/redis-store') as typeof import('./redis/redis-store')).redisStateDriver),
  lazyDriver(['state.postgresql', 'state.postgres'], ['v1', 'v2'], () => (require('./postgresql/postgresql-store') as typeof import('./postgresql/postgresql-store')).postgresStateDriver),
  lazyDriver(['state.mysql'], ['v1'], () => (require('./mysql/mysql-store') as typeof import('./mysql/mysql-store')).mysqlStateDriver),
];
