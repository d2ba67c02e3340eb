/**
 * HTTP-style headers -> gRPC metadata toward a gRPC app, as daprd does: standard HTTP request
 * headers (grpc-gateway's "permanent" list: Content-Type, Accept, Cookie, Host, ...) and grpc-*
 * names get a `dapr-` prefix so they cannot clash with the gRPC transport's own; hop-by-hop,
 * content-length, pseudo and binary (-bin) fields are dropped.
 */
const PERMANENT = new Set([
  'accept', 'accept-charset', 'accept-language', 'accept-ranges', 'authorization', 'cache-control', 'content-type',
  'cookie', 'date', 'expect', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match',
  'if-schedule-tag-match', 'if-unmodified-since', 'max-forwards', 'origin', 'pragma', 'referer', 'user-agent',
  'via', 'warning',
]);
const DROP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings', 'te', 'trailer', 'content-length']);

export function headersToGrpcMetadata(headers: Readonly<Record<string, string | string[]>>): Headers {
  const out = new Headers();
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    if (name.charCodeAt(0) === 58 || DROP.has(name) || name.endsWith('-bin')) continue;
    const target = PERMANENT.has(name) || name.startsWith('grpc-') ? `dapr-${name}` : name;
    if (Array.isArray(value)) for (const v of value) out.append(target, v);
    else out.set(target, value);
  }
  return out;
}

/** gRPC response metadata -> response headers for an HTTP caller (transport fields dropped). */
export function grpcMetadataToHeaders(md: Headers, into: Record<string, string | string[]>): void {
  md.forEach((value, name) => {
    if (name === 'content-type' || name.startsWith('grpc-') || name.endsWith('-bin') || DROP.has(name)) return;
    into[name] = value;
  });
}
