/**
 * Headers the app receives on every call from its sidecar: who called (dapr-caller-*), who is
 * called, forwarding information, and APP_API_TOKEN as dapr-api-token. Internal and token headers
 * from the caller never reach the app.
 */
import type { Exchange } from '../../proxy/contracts';
import { forwardableHeaders } from '../../proxy/headers';

const DROP_TO_APP = new Set(['dapr-api-token', 'dapr-app-id', 'dapr-callee-namespace', 'dapr-caller-app-id', 'dapr-caller-namespace', 'dapr-callee-app-id']);

export interface AppIdentity {
  readonly appId: string;
  readonly namespace: string;
  readonly appApiToken?: string;
}

export function appRequestHeaders(ex: Exchange, self: AppIdentity): Record<string, string | string[]> {
  const headers = forwardableHeaders(ex.headers, { drop: DROP_TO_APP });
  const caller = ex.caller;
  if (caller) {
    headers['dapr-caller-app-id'] = caller.appId;
    headers['dapr-caller-namespace'] = caller.namespace;
  }
  headers['dapr-callee-app-id'] = self.appId;
  if (self.appApiToken) headers['dapr-api-token'] = self.appApiToken;
  const remote = ex.req.socket?.remoteAddress;
  if (remote && !headers['x-forwarded-for']) headers['x-forwarded-for'] = remote;
  if (ex.headers.host && !headers['x-forwarded-host']) headers['x-forwarded-host'] = ex.headers.host;
  if (!headers.forwarded) {
    const parts = [`by=${ex.req.socket?.localAddress ?? 'unknown'}`];
    if (remote) parts.unshift(`for=${remote}`);
    if (ex.headers.host) parts.push(`host=${ex.headers.host}`);
    headers.forwarded = parts.join(';');
  }
  return headers;
}
