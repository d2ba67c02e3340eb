/** The state drivers, registered explicitly by Dapr type name (canonical first, then aliases) and versions. */
import type { ComponentDriver } from '../contract';
import type { StateStore } from './contract';
import { inMemoryStateDriver } from './in-memory/in-memory-store';
import { mysqlStateDriver } from './mysql/mysql-store';
import { postgresStateDriver } from './postgresql/postgresql-store';
import { redisStateDriver } from './redis/redis-store';
import { sqliteStateDriver } from './sqlite/sqlite-store';

export const stateDrivers: ComponentDriver<StateStore>[] = [
  inMemoryStateDriver,
  sqliteStateDriver,
  redisStateDriver,
  postgresStateDriver,
  mysqlStateDriver,
];
