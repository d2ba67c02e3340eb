/**
 * Durations in component metadata: Go syntax ("1h", "30s", "1m30s", "500ms") parsed by the one
 * parser in config/duration.ts; a bare number means seconds, as components-contrib reads them.
 * Throws on a malformed value: drivers call it while validating metadata in init(), never per request.
 */
import { parseGoDuration } from '../../config/duration';

export function parseDurationMs(raw: string | undefined, fallbackMs: number): number {
  if (raw === undefined || raw.trim() === '') return fallbackMs;
  const s = raw.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const negative = s.startsWith('-');
  const ms = parseGoDuration(negative ? s.slice(1) : s);
  if (ms === undefined) throw new Error(`invalid duration "${raw}"`);
  return negative ? -ms : ms;
}
