/**
 * Header handling at the proxy boundary, as RFC 9110 section 7.6.1 says: hop-by-hop fields, and
 * every field the Connection header names, are not forwarded. HTTP/2 pseudo-headers never cross.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-authenticate', 'proxy-authorization', 'http2-settings',
]);

/** Names listed in the Connection header (lower-cased). */
function connectionListed(headers: IncomingHttpHeaders): Set<string> | undefined {
  const conn = headers.connection;
  if (!conn) return undefined;
  const set = new Set<string>();
  for (const token of String(conn).split(',')) {
    const t = token.trim().toLowerCase();
    if (t) set.add(t);
  }
  return set;
}

export interface ForwardHeaderOptions {
  /** Extra names to drop (lower-case), e.g. dapr-api-token, dapr-app-id. */
  readonly drop?: ReadonlySet<string>;
  /** Keep Upgrade/Connection for a WebSocket handshake. */
  readonly keepUpgrade?: boolean;
}

/** Copies request headers minus hop-by-hop, Connection-listed, pseudo and explicitly dropped ones. */
export function forwardableHeaders(headers: IncomingHttpHeaders, opts: ForwardHeaderOptions = {}): Record<string, string | string[]> {
  const listed = connectionListed(headers);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (name.charCodeAt(0) === 58) continue; // ':' pseudo-header
    if (HOP_BY_HOP.has(name) && !(opts.keepUpgrade && (name === 'upgrade' || name === 'connection'))) continue;
    if (listed?.has(name) && !(opts.keepUpgrade && name === 'upgrade')) continue;
    if (opts.drop?.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** Response headers from upstream minus hop-by-hop ones (undici gives a flat [name, value, ...] list). */
export function forwardableResponseHeaders(raw: Buffer[] | string[]): OutgoingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  let listed: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (String(raw[i]).toLowerCase() === 'connection') {
      listed = new Set(String(raw[i + 1]).split(',').map((t) => t.trim().toLowerCase()));
    }
  }
  for (let i = 0; i < raw.length; i += 2) {
    const name = String(raw[i]).toLowerCase();
    if (HOP_BY_HOP.has(name) || listed?.has(name)) continue;
    const value = String(raw[i + 1]);
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[name] = [prev, value];
  }
  return out;
}
