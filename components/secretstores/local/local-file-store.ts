/**
 * secretstores.local.file: secrets read once from a JSON file.
 *
 * Metadata: secretsFile (required; relative to the working directory), nestedSeparator (default
 * ":"), multiValued ("true": each top-level key is a secret whose nested values are its keys).
 * Without multiValued, nested objects are flattened into names joined by the separator
 * (`{"db":{"pw":"x"}}` -> secret `db:pw`), each secret holding one key named like itself.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ComponentDriver, ResolvedComponent } from '../../contract';
import { SecretStoreFeature, type SecretData, type SecretStore } from '../contract';

function scalar(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Flattens nested objects and arrays into `prefix<sep>key` -> scalar string. */
export function flatten(value: unknown, sep: string, prefix: string, out: Record<string, string>): void {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (const [k, v] of entries) flatten(v, sep, prefix ? `${prefix}${sep}${k}` : k, out);
    return;
  }
  out[prefix] = scalar(value);
}

export class LocalFileSecretStore implements SecretStore {
  private secrets = new Map<string, SecretData>();
  private readonly multi: boolean;

  constructor(private readonly component: ResolvedComponent) {
    this.multi = (component.metadata.multiValued ?? '').toLowerCase() === 'true';
  }

  async init(): Promise<void> {
    const md = this.component.metadata;
    const file = md.secretsFile;
    if (!file) throw new Error('local file secret store: missing required metadata "secretsFile"');
    const sep = md.nestedSeparator || ':';
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path.resolve(file), 'utf8'));
    } catch (e) {
      // The message names the file and the failure, never the content.
      throw new Error(`local file secret store: cannot read ${file}: ${e instanceof SyntaxError ? 'invalid JSON' : (e as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`local file secret store: ${file} must hold a JSON object`);
    const secrets = new Map<string, SecretData>();
    if (this.multi) {
      for (const [name, v] of Object.entries(parsed)) {
        const data: Record<string, string> = {};
        if (v !== null && typeof v === 'object') flatten(v, sep, '', data);
        else data[name] = scalar(v);
        secrets.set(name, data);
      }
    } else {
      const flat: Record<string, string> = {};
      flatten(parsed, sep, '', flat);
      for (const [name, v] of Object.entries(flat)) secrets.set(name, { [name]: v });
    }
    this.secrets = secrets;
  }

  features(): readonly string[] {
    return this.multi ? [SecretStoreFeature.MULTIPLE_KEY_VALUES_PER_SECRET] : [];
  }

  async close(): Promise<void> {
    this.secrets.clear();
  }

  async getSecret(name: string): Promise<SecretData | undefined> {
    const s = this.secrets.get(name);
    return s ? { ...s } : undefined;
  }

  async bulkGetSecret(): Promise<Record<string, SecretData>> {
    const out: Record<string, SecretData> = {};
    for (const [k, v] of this.secrets) out[k] = { ...v };
    return out;
  }
}

export const localFileSecretDriver: ComponentDriver<SecretStore> = {
  types: ['secretstores.local.file'],
  versions: ['v1'],
  create: (c) => new LocalFileSecretStore(c),
};
