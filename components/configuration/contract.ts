/**
 * The configuration building block: read-mostly key/value items with a version, and subscriptions
 * that report changes made directly in the store. An update carries only the changed keys; a
 * deleted key arrives as an item with an empty value and version.
 */
import type { ComponentInstance } from '../contract';

export interface ConfigurationItem {
  readonly value: string;
  readonly version: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export type ConfigurationItems = Record<string, ConfigurationItem>;

/** Called once per change notification with the changed items. */
export type ConfigurationUpdateHandler = (items: ConfigurationItems) => void;

export interface ConfigurationStore extends ComponentInstance {
  /** The items of `keys` that exist; all items when `keys` is empty. */
  get(keys: readonly string[], metadata: Readonly<Record<string, string>>): Promise<ConfigurationItems>;
  /** Starts watching `keys` (all when empty); resolves to a function that stops this subscription. */
  subscribe(keys: readonly string[], metadata: Readonly<Record<string, string>>, handler: ConfigurationUpdateHandler): Promise<() => Promise<void>>;
}

export const deletedItem: ConfigurationItem = Object.freeze({ value: '', version: '', metadata: {} });
