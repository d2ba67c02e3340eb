/**
 * Parsing of an invocation target as Dapr accepts it: "app" (own namespace), "app.ns", or a full
 * http(s) URL for a non-Dapr endpoint. More than one dot is an invalid app id.
 */
import { Errors } from '../../errors/codes';
import type { DaprError } from '../../errors/dapr-error';

export type ParsedTarget =
  | { readonly kind: 'app'; readonly appId: string; readonly namespace: string }
  | { readonly kind: 'url'; readonly url: string };

export function parseTargetId(raw: string, ownNamespace: string): ParsedTarget | DaprError {
  if (raw.startsWith('http://') || raw.startsWith('https://')) return { kind: 'url', url: raw.replace(/\/+$/, '') };
  if (raw.length === 0) return Errors.noAppId();
  const parts = raw.split('.');
  if (parts.length > 2) return Errors.invalidAppId(raw, 'an app id may contain at most one dot (app.namespace)');
  const [appId, namespace] = parts as [string, string | undefined];
  if (appId.length === 0 || (namespace !== undefined && namespace.length === 0)) {
    return Errors.invalidAppId(raw, 'empty app id or namespace');
  }
  return { kind: 'app', appId, namespace: namespace ?? ownNamespace };
}
