/**
 * ttlInSeconds handling shared by drivers: request metadata wins over the component default;
 * -1 (or any value <= 0 given explicitly... only -1 and positive integers are valid) means "never".
 */
import { StateError } from '../contract';

/**
 * Milliseconds-since-epoch expiry for a write, or null for "never expires".
 * `componentDefault` is the store-wide ttlInSeconds (undefined: none).
 */
export function expiryFor(metadata: Readonly<Record<string, string>> | undefined, componentDefault?: number, now = Date.now()): number | null {
  const raw = metadata?.ttlInSeconds;
  const ttl = raw === undefined || raw === '' ? componentDefault : parseTtl(raw);
  if (ttl === undefined || ttl <= 0) return null;
  return now + ttl * 1000;
}

/** Validates a ttlInSeconds value: an integer >= -1. Rejects with BAD_REQUEST otherwise. */
export function parseTtl(raw: string): number {
  if (!/^-?\d+$/.test(raw.trim())) throw new StateError('BAD_REQUEST', `failed to parse ttlInSeconds: "${raw}" is not an integer`);
  const n = Number(raw);
  if (n < -1) throw new StateError('BAD_REQUEST', `ttlInSeconds must be -1 or a non-negative integer, got ${n}`);
  if (n > 2_147_483_647) throw new StateError('BAD_REQUEST', `ttlInSeconds ${n} is too large`);
  return n;
}

/** Response metadata Dapr returns for items with an expiry: ttlExpireTime in RFC 3339 (UTC, seconds). */
export function ttlMetadata(expiresAtMs: number | null | undefined): Record<string, string> | undefined {
  if (expiresAtMs === null || expiresAtMs === undefined) return undefined;
  return { ttlExpireTime: new Date(expiresAtMs).toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

/** Component-level default ttlInSeconds from metadata (undefined when absent). */
export function componentTtl(metadata: Readonly<Record<string, string>>): number | undefined {
  const raw = metadata.ttlInSeconds;
  return raw === undefined || raw === '' ? undefined : parseTtl(raw);
}
