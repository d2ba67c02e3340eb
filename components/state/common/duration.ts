/** Go-style durations in component metadata ("1h", "30s", "1m30s", "500ms"); a bare number is seconds. */
export function parseDurationMs(raw: string | undefined, fallbackMs: number): number {
  if (raw === undefined || raw.trim() === '') return fallbackMs;
  const s = raw.trim();
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let matched = '';
  for (const m of s.matchAll(re)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
    matched += m[0];
  }
  if (matched !== s.replace(/^-/, '')) throw new Error(`invalid duration "${raw}"`);
  return s.startsWith('-') ? -total : total;
}
