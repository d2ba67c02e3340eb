/** Reading component and request metadata (all strings) the way Dapr's components do. */
import { parseDurationMs } from '../../common/duration';

export function mdBool(md: Readonly<Record<string, string>>, key: string, fallback: boolean): boolean {
  const v = md[key]?.trim().toLowerCase();
  if (v === undefined || v === '') return fallback;
  return v === 'true' || v === '1' || v === 'yes' || v === 'y' || v === 'on';
}

export function mdInt(md: Readonly<Record<string, string>>, key: string, fallback: number): number {
  const v = md[key]?.trim();
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`metadata ${key}: "${v}" is not an integer`);
  return n;
}

/**
 * A Go duration ("30s", "1m30s", "500ms"); a bare number is read in `bareUnitMs` units
 * (components-contrib reads e.g. Redis' processingTimeout bare numbers as milliseconds).
 */
export function mdDurationMs(md: Readonly<Record<string, string>>, key: string, fallbackMs: number, bareUnitMs = 1000): number {
  const v = md[key]?.trim();
  if (v === undefined || v === '') return fallbackMs;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v) * bareUnitMs;
  try {
    return parseDurationMs(v, fallbackMs);
  } catch {
    throw new Error(`metadata ${key}: invalid duration "${v}"`);
  }
}

/** Per-message time to live from request metadata `ttlInSeconds`; undefined when absent. */
export function ttlSeconds(md: Readonly<Record<string, string>>): number | undefined {
  const v = md.ttlInSeconds?.trim();
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`metadata ttlInSeconds: "${v}" is not a positive number`);
  return n;
}

/** Request metadata keys that steer the publish itself and are not carried with the message. */
const CONTROL_KEYS = new Set(['ttlinseconds', 'rawpayload', 'maxbulkpubbytes', 'routingkey', 'priority', 'queuename', 'contenttype']);

/** The request metadata a driver carries to subscribers (as headers or a stored map). */
export function carriedMetadata(md: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(md)) if (!CONTROL_KEYS.has(k.toLowerCase())) out[k] = v;
  return out;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
