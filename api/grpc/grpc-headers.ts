/**
 * Header hygiene between gRPC metadata and HTTP-style header maps for the building-block-neutral
 * Dapr methods: which request metadata an invoked app sees, and which app response headers
 * become gRPC response metadata.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Never forwarded in either direction: transport, gRPC framing and Dapr-internal fields. */
const SKIP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings', 'te', 'trailer',
  'host', 'content-length', 'content-type', 'accept-encoding', 'user-agent', 'dapr-api-token', 'dapr-app-id', 'date',
]);

function skipped(name: string): boolean {
  return name.charCodeAt(0) === 58 /* ':' */ || SKIP.has(name) || name.startsWith('grpc-') || name.endsWith('-bin');
}

/** gRPC request metadata -> headers for the invoked app (first value of repeated keys joined by ", "). */
export function metadataToHeaders(headers: IncomingHttpHeaders | Headers): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers instanceof Headers) {
    headers.forEach((value, name) => { if (!skipped(name)) out[name] = value; });
    return out;
  }
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined || skipped(name)) continue;
    out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** App response headers -> gRPC response metadata (set on the Connect context). */
export function copyResponseHeaders(src: Readonly<Record<string, string | string[]>>, target: Headers): void {
  for (const [name, value] of Object.entries(src)) {
    const lower = name.toLowerCase();
    if (skipped(lower)) continue;
    if (Array.isArray(value)) for (const v of value) target.append(lower, v);
    else target.set(lower, value);
  }
}
