/**
 * The time formats of actor timers and reminders, as daprd accepts them:
 *   dueTime  Go duration | ISO 8601 duration | RFC 3339 time  ("" or "0" = now)
 *   period   Go duration | ISO 8601 duration, optionally "R<n>/" repetitions ("" = fire once)
 *   ttl      Go duration | ISO 8601 duration | RFC 3339 time  (relative ones count from registration)
 * Parsers return a value or an error message string; nothing throws.
 */
import { parseGoDuration } from '../../config/duration';

const ISO_DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const DAY = 86_400_000;

/** An ISO 8601 duration ("P1DT2H", "PT10S") in ms; years are 365 days and months 30, as Dapr counts. */
export function parseIsoDuration(s: string): number | undefined {
  const m = ISO_DURATION.exec(s);
  if (!m || s.toUpperCase() === 'P' || s.toUpperCase().endsWith('T')) return undefined;
  const n = (i: number): number => (m[i] ? Number(m[i]) : 0);
  return n(1) * 365 * DAY + n(2) * 30 * DAY + n(3) * 7 * DAY + n(4) * DAY + n(5) * 3_600_000 + n(6) * 60_000 + Math.round(n(7) * 1000);
}

/** A relative duration in either spelling, in ms (never negative). */
function relative(s: string): number | undefined {
  const ms = /^[pP]/.test(s) ? parseIsoDuration(s) : parseGoDuration(s);
  return ms !== undefined && ms >= 0 ? ms : undefined;
}

/** An RFC 3339 time, or a Go / ISO 8601 duration from `now` (epoch ms); a message when neither. */
function instant(field: string, v: string, now: number): number | string {
  if (RFC3339.test(v)) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? `invalid ${field} ${JSON.stringify(v)}` : t;
  }
  const ms = relative(v);
  return ms === undefined ? `invalid ${field} ${JSON.stringify(v)}: want a Go or ISO 8601 duration or an RFC 3339 time` : now + ms;
}

/** When the first firing is due (epoch ms). */
export function parseDueTime(s: string | undefined, now: number): number | string {
  const v = (s ?? '').trim();
  if (v === '' || v === '0') return now;
  return instant('dueTime', v, now);
}

export interface Period {
  /** Interval between firings; undefined = fire once. */
  readonly intervalMs?: number;
  /** Total firings allowed (-1 = unlimited). */
  readonly repetitions: number;
}

export function parsePeriod(s: string | undefined): Period | string {
  let v = (s ?? '').trim();
  if (v === '') return { repetitions: 1 };
  let repetitions = -1;
  const rep = /^R(\d+)\/(.*)$/i.exec(v);
  if (rep) {
    repetitions = Number(rep[1]);
    if (repetitions < 1) return `invalid period ${JSON.stringify(v)}: repetitions must be at least 1`;
    v = rep[2]!;
  }
  const ms = relative(v);
  if (ms === undefined) return `invalid period ${JSON.stringify(s)}: want a Go or ISO 8601 duration, optionally with R<n>/`;
  if (ms === 0) return repetitions === -1 ? { repetitions: 1 } : `invalid period ${JSON.stringify(s)}: a repeating period must be longer than 0`;
  return { intervalMs: ms, repetitions };
}

/** When the timer/reminder expires (epoch ms), or undefined for no TTL. */
export function parseTtl(s: string | undefined, now: number): number | undefined | string {
  const v = (s ?? '').trim();
  if (v === '') return undefined;
  return instant('ttl', v, now);
}

export interface Schedule {
  /** First firing (epoch ms). */
  readonly dueAt: number;
  readonly period: Period;
  /** Expiry (epoch ms). */
  readonly expiresAt?: number;
}

/** Parses and checks a whole schedule: the TTL must end after the first firing. */
export function parseSchedule(dueTime: string | undefined, period: string | undefined, ttl: string | undefined, now: number): Schedule | string {
  const due = parseDueTime(dueTime, now);
  if (typeof due === 'string') return due;
  const p = parsePeriod(period);
  if (typeof p === 'string') return p;
  const exp = parseTtl(ttl, now);
  if (typeof exp === 'string') return exp;
  if (exp !== undefined && exp < due) return `ttl ${JSON.stringify(ttl)} expires before dueTime ${JSON.stringify(dueTime ?? '')}`;
  return { dueAt: due, period: p, ...(exp !== undefined ? { expiresAt: exp } : {}) };
}

/** The next firing after one at `firedAt` with `fired` firings so far, or undefined when done. */
export function nextFiring(s: Schedule, firedAt: number, fired: number): number | undefined {
  if (s.period.intervalMs === undefined) return undefined;
  if (s.period.repetitions >= 0 && fired >= s.period.repetitions) return undefined;
  const next = firedAt + s.period.intervalMs;
  if (s.expiresAt !== undefined && next > s.expiresAt) return undefined;
  return next;
}
