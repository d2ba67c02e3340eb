/**
 * Drivers are registered by name up front but their modules (and client libraries such as pg,
 * mysql2, ioredis, amqplib) load only when a component of that type is created: start-up time and
 * idle memory do not pay for drivers nobody configured.
 */
import type { ComponentDriver, ComponentInstance } from './contract';

export function lazyDriver<T extends ComponentInstance>(types: readonly string[], versions: readonly string[], load: () => ComponentDriver<T>): ComponentDriver<T> {
  let loaded: ComponentDriver<T> | undefined;
  return {
    types,
    versions,
    create(component, ctx) {
      if (!loaded) {
        loaded = load();
        if (loaded.types[0] !== types[0]) throw new Error(`driver table says ${types[0]} but the module provides ${loaded.types[0]}`);
      }
      return loaded.create(component, ctx);
    },
  };
}
