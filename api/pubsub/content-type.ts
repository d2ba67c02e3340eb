/**
 * Content-type classes as daprd (components-contrib/contenttype) tells them apart. Parameters after
 * `;` are ignored and comparisons are case-insensitive.
 */
export const CLOUD_EVENT_CONTENT_TYPE = 'application/cloudevents+json';
export const JSON_CONTENT_TYPE = 'application/json';
export const OCTET_STREAM = 'application/octet-stream';

function base(ct: string): string {
  const i = ct.indexOf(';');
  return (i < 0 ? ct : ct.slice(0, i)).trim().toLowerCase();
}

/** application/json or any `*+json` (CloudEvents JSON included). */
export function isJsonContentType(ct: string): boolean {
  const b = base(ct);
  return b === JSON_CONTENT_TYPE || b.endsWith('+json');
}

export function isCloudEventContentType(ct: string): boolean {
  return base(ct) === CLOUD_EVENT_CONTENT_TYPE;
}

export function isBinaryContentType(ct: string): boolean {
  return base(ct).startsWith(OCTET_STREAM);
}

/** text/* and XML types: data that travels as a string. */
export function isStringContentType(ct: string): boolean {
  const b = base(ct);
  return b.startsWith('text/') || b.endsWith('/xml') || b.endsWith('+xml');
}

/** Go's strconv.ParseBool, which daprd uses for rawPayload and similar flags. */
export function parseGoBool(v: string): boolean | undefined {
  switch (v) {
    case '1': case 't': case 'T': case 'true': case 'TRUE': case 'True': return true;
    case '0': case 'f': case 'F': case 'false': case 'FALSE': case 'False': return false;
    default: return undefined;
  }
}

/** dapr/kit utils.IsTruthy: y, yes, true, t, on, 1 (any case). */
export function isTruthy(v: string | undefined): boolean {
  if (v === undefined) return false;
  return ['y', 'yes', 'true', 't', 'on', '1'].includes(v.trim().toLowerCase());
}
