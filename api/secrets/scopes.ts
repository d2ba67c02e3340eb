/**
 * Secret scoping from the Configuration's spec.secrets.scopes, as daprd decides it: a non-empty
 * allowedSecrets list decides alone; else a name in deniedSecrets is refused; else defaultAccess
 * (allow unless "deny"). Stores without a scope entry allow everything.
 */
import type { ConfigurationSpec } from '../../config/schemas/configuration';

export type SecretScope = NonNullable<ConfigurationSpec['secrets']>['scopes'][number];
export type SecretAccess = (store: string, name: string) => boolean;

export function secretAccess(scopes: readonly SecretScope[] | undefined): SecretAccess {
  const byStore = new Map<string, SecretScope>();
  for (const s of scopes ?? []) byStore.set(s.storeName, s);
  return (store, name) => {
    const scope = byStore.get(store);
    if (!scope) return true;
    if (scope.allowedSecrets && scope.allowedSecrets.length > 0) return scope.allowedSecrets.includes(name);
    if (scope.deniedSecrets?.includes(name)) return false;
    return scope.defaultAccess !== 'deny';
  };
}
