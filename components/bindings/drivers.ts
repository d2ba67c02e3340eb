/** Binding drivers, registered explicitly by Dapr type name; modules load on first use. */
import type { ComponentDriver } from '../contract';
import { lazyDriver } from '../lazy-driver';

export const bindingDrivers: ComponentDriver[] = [
  lazyDriver(['bindings.cron'], ['v1'], () => (require('./cron-binding') as typeof import('./cron-binding')).cronBindingDriver),
  lazyDriver(['bindings.http'], ['v1'], () => (require('./http-binding') as typeof import('./http-binding')).httpBindingDriver),
  lazyDriver(['bindings.redis'], ['v1'], () => (require('./redis-binding') as typeof import('./redis-binding')).redisBindingDriver),
  lazyDriver(['bindings.postgresql', 'bindings.postgres'], ['v1'], () => (require('./postgresql-binding') as typeof import('./postgresql-binding')).postgresBindingDriver),
  lazyDriver(['bindings.rabbitmq'], ['v1'], () => (require('./rabbitmq-binding') as typeof import('./rabbitmq-binding')).rabbitmqBindingDriver),
  lazyDriver(['bindings.mqtt3', 'bindings.mqtt'], ['v1'], () => (require('./mqtt-binding') as typeof import('./mqtt-binding')).mqttBindingDriver),
  lazyDriver(['bindings.localstorage'], ['v1'], () => (require('./localstorage-binding') as typeof import('./localstorage-binding')).localStorageBindingDriver),
];
