/**
 * The secret store building block. A secret is a name with one or more key/value pairs: single-value
 * stores answer `{<name>: value}`, multi-valued stores the whole map. Values never reach logs.
 */
import type { ComponentInstance } from '../contract';

export type SecretData = Record<string, string>;

export interface SecretStore extends ComponentInstance {
  /** The secret's key/value pairs, or undefined when the store has no secret of that name. */
  getSecret(name: string, metadata: Readonly<Record<string, string>>): Promise<SecretData | undefined>;
  /** Every secret the store holds, by name. */
  bulkGetSecret(metadata: Readonly<Record<string, string>>): Promise<Record<string, SecretData>>;
}

export const SecretStoreFeature = { MULTIPLE_KEY_VALUES_PER_SECRET: 'MULTIPLE_KEY_VALUES_PER_SECRET' } as const;
