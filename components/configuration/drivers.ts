/** Configuration store drivers, registered explicitly by Dapr type name; modules load on first use. */
import type { ComponentDriver } from '../contract';
import type { ConfigurationStore } from './contract';
import { lazyDriver } from '../lazy-driver';

export const configurationDrivers: ComponentDriver<ConfigurationStore>[] = [
  lazyDriver(['configuration.redis'], ['v1'], () => (require('./redis/redis-configuration') as typeof import('./redis/redis-configuration')).redisConfigurationDriver),
  lazyDriver(['configuration.postgresql', 'configuration.postgres'], ['v1'], () => (require('./postgresql/postgresql-configuration') as typeof import('./postgresql/postgresql-configuration')).postgresConfigurationDriver),
];
