/**
 * The secrets building block, protocol-neutral: store lookup, scoping and the store call. The HTTP
 * and gRPC heads only translate. Values are returned to the caller and never logged.
 */
import type { DaprError } from '../../errors/dapr-error';
import type { SecretData, SecretStore } from '../../components/secretstores/contract';
import type { Logger } from '../../observability/logger';
import { SecretErrors } from './errors';
import type { SecretAccess } from './scopes';

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DaprError };

export interface SecretsApiDeps {
  readonly logger: Logger;
  /** Live secret stores by component name. */
  readonly stores: () => ReadonlyMap<string, SecretStore>;
  /** Scoping from the Configuration (allow all when absent). */
  readonly access?: SecretAccess;
}

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = <T>(error: DaprError): Result<T> => ({ ok: false, error });
const why = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class SecretsApi {
  constructor(readonly deps: SecretsApiDeps) {}

  private store(name: string): Result<SecretStore> {
    const stores = this.deps.stores();
    if (stores.size === 0) return fail(SecretErrors.notConfigured());
    const s = stores.get(name);
    return s ? ok(s) : fail(SecretErrors.notFound(name));
  }

  async get(storeName: string, key: string, metadata: Record<string, string>): Promise<Result<SecretData>> {
    const s = this.store(storeName);
    if (!s.ok) return s;
    if (this.deps.access && !this.deps.access(storeName, key)) return fail(SecretErrors.denied(key, storeName));
    try {
      const data = await s.value.getSecret(key, metadata);
      if (!data) return fail(SecretErrors.get(key, storeName, `secret ${key} not found`));
      return ok(data);
    } catch (e) {
      this.deps.logger.debug(`secret store ${storeName} failed a get`, { error: why(e) });
      return fail(SecretErrors.get(key, storeName, why(e)));
    }
  }

  /** Every secret the store holds, scope-denied names left out silently. */
  async bulk(storeName: string, metadata: Record<string, string>): Promise<Result<Record<string, SecretData>>> {
    const s = this.store(storeName);
    if (!s.ok) return s;
    try {
      const all = await s.value.bulkGetSecret(metadata);
      const out: Record<string, SecretData> = {};
      for (const [name, data] of Object.entries(all)) {
        if (!this.deps.access || this.deps.access(storeName, name)) out[name] = data;
      }
      return ok(out);
    } catch (e) {
      return fail(SecretErrors.bulkGet(storeName, why(e)));
    }
  }
}
