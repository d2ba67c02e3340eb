/** Every component driver the runtime knows, by building block. */
import type { ComponentDriver } from './contract';
import { stateDrivers } from './state/drivers';
import { pubsubDrivers } from './pubsub/drivers';
import { secretStoreDrivers } from './secretstores/drivers';
import { configurationDrivers } from './configuration/drivers';
import { bindingDrivers } from './bindings/drivers';
import { lockDrivers } from './lock/drivers';

export const allDrivers: readonly ComponentDriver[] = [
  ...stateDrivers, ...pubsubDrivers, ...secretStoreDrivers, ...configurationDrivers, ...bindingDrivers, ...lockDrivers,
];
