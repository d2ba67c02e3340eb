/**
 * secretstores.local.env: the sidecar's environment variables as secrets (one key each).
 *
 * Metadata: prefix (optional: only variables starting with it; names are given without it).
 * The sidecar's own credentials (DAPR_API_TOKEN, APP_API_TOKEN and DAPR_* variables) are never served.
 */
import type { ComponentDriver, ResolvedComponent } from '../../contract';
import type { SecretData, SecretStore } from '../contract';

function forbidden(name: string): boolean {
  const upper = name.toUpperCase();
  return upper.startsWith('DAPR_') || upper === 'APP_API_TOKEN';
}

export class LocalEnvSecretStore implements SecretStore {
  private readonly prefix: string;

  constructor(component: ResolvedComponent, private readonly env: NodeJS.ProcessEnv = process.env) {
    this.prefix = component.metadata.prefix ?? '';
  }

  async init(): Promise<void> {}

  features(): readonly string[] {
    return [];
  }

  async close(): Promise<void> {}

  async getSecret(name: string): Promise<SecretData | undefined> {
    const full = this.prefix + name;
    if (forbidden(full)) return undefined;
    const v = this.env[full];
    return v === undefined ? undefined : { [name]: v };
  }

  async bulkGetSecret(): Promise<Record<string, SecretData>> {
    const out: Record<string, SecretData> = {};
    for (const [k, v] of Object.entries(this.env)) {
      if (v === undefined || forbidden(k) || !k.startsWith(this.prefix)) continue;
      const name = k.slice(this.prefix.length);
      if (name) out[name] = { [name]: v };
    }
    return out;
  }
}

export const localEnvSecretDriver: ComponentDriver<SecretStore> = {
  types: ['secretstores.local.env'],
  versions: ['v1'],
  create: (c) => new LocalEnvSecretStore(c),
};
