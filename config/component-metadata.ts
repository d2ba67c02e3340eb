/**
 * Resolves a Component's `spec.metadata` list into the flat string map drivers receive:
 * - `value`: strings as written (after templates), other scalars via String(), null -> "",
 *   mappings/sequences -> JSON;
 * - `envRef`: the variable's value ("" when unset, as daprd does);
 * - `secretKeyRef`: fetched from `auth.secretStore` through `resolveSecret` (`key` defaults to
 *   `name`); no store, no resolver, a missing secret or a resolver failure -> issue;
 * - templates in `value` strings: `{uuid}` (fresh per occurrence), `{appID}`,
 *   `{namespace}` -> "<namespace>.<appId>", `{podName}` -> POD_NAME or the host name.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ResourceIssue } from './issues';
import type { ComponentResource } from './schemas/component';
import type { ResourceSource } from './schemas/common';

export interface MetadataContext {
  appId: string;
  namespace: string;
  env?: NodeJS.ProcessEnv;
  /** Returns the secret's value, or undefined when the store has no such secret/key. */
  resolveSecret?: (store: string, name: string, key: string) => Promise<string | undefined>;
}

export type MetadataResult = { ok: true; metadata: Record<string, string> } | { ok: false; issue: ResourceIssue };

export function applyTemplates(value: string, ctx: { appId: string; namespace: string; env?: NodeJS.ProcessEnv }): string {
  if (!value.includes('{')) return value;
  const env = ctx.env ?? process.env;
  return value
    .replace(/\{uuid\}/g, () => randomUUID())
    .replace(/\{appID\}/g, () => ctx.appId)
    .replace(/\{namespace\}/g, () => `${ctx.namespace}.${ctx.appId}`)
    .replace(/\{podName\}/g, () => env.POD_NAME || hostname());
}

function valueToString(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

export async function resolveComponentMetadata(
  component: ComponentResource & { source?: ResourceSource },
  ctx: MetadataContext,
): Promise<MetadataResult> {
  const env = ctx.env ?? process.env;
  const entries: [string, string][] = [];
  const store = component.auth?.secretStore;
  const fail = (index: number, field: string, message: string): MetadataResult => ({
    ok: false,
    issue: {
      code: 'METADATA',
      file: component.source?.file ?? '',
      docIndex: component.source?.docIndex ?? -1,
      kind: 'Component',
      name: component.metadata.name,
      path: `spec.metadata[${index}].${field}`,
      message,
    },
  });
  const items = component.spec.metadata;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as (typeof items)[number];
    if (item.secretKeyRef) {
      const secretName = item.secretKeyRef.name;
      const key = item.secretKeyRef.key || secretName;
      if (!store) return fail(i, 'secretKeyRef', `metadata ${item.name} uses secretKeyRef but the component has no auth.secretStore`);
      if (!ctx.resolveSecret) return fail(i, 'secretKeyRef', `metadata ${item.name} uses secretKeyRef but no secret store is available to resolve it`);
      let secret: string | undefined;
      try {
        secret = await ctx.resolveSecret(store, secretName, key);
      } catch (e) {
        return fail(i, 'secretKeyRef', `failed to read secret ${secretName}/${key} from store ${store}: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (secret === undefined) return fail(i, 'secretKeyRef', `secret ${secretName} key ${key} not found in store ${store}`);
      entries.push([item.name, secret]);
    } else if (item.envRef !== undefined) {
      entries.push([item.name, env[item.envRef] ?? '']);
    } else {
      entries.push([item.name, applyTemplates(valueToString(item.value), { appId: ctx.appId, namespace: ctx.namespace, env })]);
    }
  }
  // fromEntries defines own properties, so a key such as "__proto__" stays a plain key.
  return { ok: true, metadata: Object.fromEntries(entries) };
}
