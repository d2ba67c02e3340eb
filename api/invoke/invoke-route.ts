/**
 * Recognises the three HTTP invocation forms and yields the target id and normalised method:
 *  1. /v1.0/invoke/{appId}/method/{method...}
 *  2. any other path with the `dapr-app-id` header (the path is the method)
 *  3. `Authorization: Basic base64("dapr-app-id:<id>")`, as form 2
 */
import type { IncomingHttpHeaders } from 'node:http';
import { normalisePath } from '../../proxy/path';
import { Errors } from '../../errors/codes';
import type { DaprError } from '../../errors/dapr-error';

export interface InvokeRoute {
  readonly appId: string;
  /** Normalised method path, without the leading "/". */
  readonly method: string;
  /** Which request header named the target, to be removed before forwarding. */
  readonly viaHeader?: 'dapr-app-id' | 'authorization';
}

const PREFIX = '/v1.0/invoke/';

/** Form 1. Returns undefined when the path is not an invoke path. */
export function parseInvokePath(rawPath: string): InvokeRoute | DaprError | undefined {
  if (!rawPath.startsWith(PREFIX)) return undefined;
  const rest = rawPath.slice(PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return Errors.noAppId();
  const rawId = rest.slice(0, slash);
  let appId: string;
  try {
    appId = decodeURIComponent(rawId);
  } catch {
    return Errors.invalidAppId(rawId, 'malformed percent-encoding');
  }
  if (appId.length === 0) return Errors.noAppId();
  const after = rest.slice(slash + 1);
  if (!after.startsWith('method')) return Errors.noAppId();
  const methodRaw = after.slice('method'.length);
  if (methodRaw.length > 0 && methodRaw[0] !== '/') return Errors.noAppId();
  const norm = normalisePath(methodRaw.length > 0 ? methodRaw : '/');
  if (!norm.ok) return Errors.badPath(norm.reason);
  return { appId, method: norm.path.slice(1) };
}

function basicAuthAppId(auth: string | undefined): string | undefined {
  if (!auth || auth.length < 7 || auth.slice(0, 6).toLowerCase() !== 'basic ') return undefined;
  const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || decoded.slice(0, colon) !== 'dapr-app-id') return undefined;
  const id = decoded.slice(colon + 1);
  return id.length > 0 ? id : undefined;
}

/** Forms 2 and 3: the fallback for paths no API route matched. */
export function parseInvokeHeaders(rawPath: string, headers: IncomingHttpHeaders): InvokeRoute | DaprError | undefined {
  const header = headers['dapr-app-id'];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  let appId = fromHeader;
  let viaHeader: InvokeRoute['viaHeader'] = 'dapr-app-id';
  if (!appId) {
    appId = basicAuthAppId(headers.authorization);
    viaHeader = 'authorization';
  }
  if (!appId) return undefined;
  const norm = normalisePath(rawPath);
  if (!norm.ok) return Errors.badPath(norm.reason);
  return { appId, method: norm.path.slice(1), viaHeader };
}
