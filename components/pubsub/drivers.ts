/**
 * The pub/sub drivers, registered explicitly by Dapr type name (canonical name first, then aliases).
 * Modules and their broker clients load on first use (components/lazy-driver.ts).
 */
import type { ComponentDriver } from '../contract';
import type { PubSub } from './contract';
import { lazyDriver } from '../lazy-driver';

export const pubsubDrivers: ComponentDriver<PubSub>[] = [
  lazyDriver(['pubsub.in-memory'], ['v1'], () => (require('./in-memory/in-memory-pubsub') as typeof import('./in-memory/in-memory-pubsub')).inMemoryPubSubDriver),
  // The embedded durable default: no server needed.
  lazyDriver(['pubsub.sqlite'], ['v1'], () => (require('./sqlite/sqlite-pubsub') as typeof import('./sqlite/sqlite-pubsub')).sqlitePubSubDriver),
  lazyDriver(['pubsub.redis'], ['v1'], () => (require('./redis/redis-pubsub') as typeof import('./redis/redis-pubsub')).redisPubSubDriver),
  lazyDriver(['pubsub.rabbitmq'], ['v1'], () => (require('./rabbitmq/rabbitmq-pubsub') as typeof import('./rabbitmq/rabbitmq-pubsub')).rabbitMqPubSubDriver),
  lazyDriver(['pubsub.jetstream'], ['v1'], () => (require('./jetstream/jetstream-pubsub') as typeof import('./jetstream/jetstream-pubsub')).jetStreamPubSubDriver),
  lazyDriver(['pubsub.mqtt3', 'pubsub.mqtt'], ['v1'], () => (require('./mqtt/mqtt-pubsub') as typeof import('./mqtt/mqtt-pubsub')).mqttPubSubDriver),
];
