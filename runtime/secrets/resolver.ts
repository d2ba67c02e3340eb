/**
 * secretKeyRef resolution for other components' metadata: the callback
 * config/component-metadata.ts expects, reading through the secret store named by auth.secretStore.
 * A missing store or a store failure rejects (the component then fails to load with the reason);
 * a missing secret or key resolves undefined. Values are never logged.
 */
import type { SecretStore } from '../../components/secretstores/contract';

export type ResolveSecret = (store: string, name: string, key: string) => Promise<string | undefined>;

export function createSecretResolver(getStore: (name: string) => SecretStore | undefined): ResolveSecret {
  return async (storeName, name, key) => {
    const store = getStore(storeName);
    if (!store) throw new Error(`secret store ${storeName} is not loaded`);
    const data = await store.getSecret(name, {});
    if (!data) return undefined;
    return Object.prototype.hasOwnProperty.call(data, key) ? data[key] : undefined;
  };
}
