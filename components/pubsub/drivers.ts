/** The pub/sub drivers, registered explicitly by Dapr type name. */
import type { ComponentDriver } from '../contract';
import type { PubSub } from './contract';
import { inMemoryPubSubDriver } from './in-memory/in-memory-pubsub';

export const pubsubDrivers: ComponentDriver<PubSub>[] = [inMemoryPubSubDriver];
