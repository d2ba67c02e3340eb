/** Every component driver the runtime knows, by building block. */
import type { ComponentDriver } from './contract';
import { stateDrivers } from './state/drivers';
import { pubsubDrivers } from './pubsub/drivers';

export const allDrivers: readonly ComponentDriver[] = [...stateDrivers, ...pubsubDrivers];
