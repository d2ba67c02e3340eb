/**
 * Parsers for the two scalar formats Dapr resources and daprd flags use:
 * Go `time.ParseDuration` strings and Kubernetes-style byte quantities.
 * Both return `undefined` for invalid input instead of throwing.
 */

const durationUnitMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign
  'μs': 1e-3, // U+03BC greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const durationTerm = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;

/**
 * Parses a Go duration ("1h30m", "5s", "100ms", "1.5s", "-2m", "0") into milliseconds (possibly
 * fractional for ns/us). A bare number other than 0 is invalid, as in Go. Numbers are accepted too
 * (taken as milliseconds) so YAML `timeout: 0` works.
 */
export function parseGoDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) ? input : undefined;
  let s = input.trim();
  if (s === '') return undefined;
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  while (s.length > 0) {
    const m = durationTerm.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * (durationUnitMs[m[2] as string] as number);
    s = s.slice(m[0].length);
  }
  return sign * total === 0 ? 0 : sign * total;
}

const binary: Record<string, number> = { ki: 2 ** 10, mi: 2 ** 20, gi: 2 ** 30, ti: 2 ** 40, pi: 2 ** 50, ei: 2 ** 60 };
const decimal: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15, e: 1e18 };

const quantityPattern = /^(\d+\.?\d*|\.\d+)\s*([a-z]*)$/i;

/**
 * Parses a byte size: Kubernetes quantities ("4Mi", "16Ki", "1G", "500k"), the common "4MB",
 * "4MiB", "10B" spellings, or a bare number multiplied by `defaultUnit` (bytes by default;
 * daprd's legacy `--dapr-http-max-request-size 4` means 4 MiB, so pass 2**20 there).
 * Units are case-insensitive; SI units (k, M, KB, MB ...) are powers of 1000, `i` units powers of
 * 1024. Returns whole bytes (rounded up), or undefined when invalid or negative.
 */
export function parseQuantity(input: string | number, defaultUnit = 1): number | undefined {
  if (typeof input === 'number') {
    return Number.isFinite(input) && input >= 0 ? Math.ceil(input * defaultUnit) : undefined;
  }
  const m = quantityPattern.exec(input.trim());
  if (!m) return undefined;
  const value = Number(m[1]);
  let unit = (m[2] as string).toLowerCase();
  let factor: number | undefined;
  if (unit === '') factor = defaultUnit;
  else if (unit === 'b') factor = 1;
  else {
    if (unit.endsWith('b')) unit = unit.slice(0, -1);
    factor = binary[unit] ?? decimal[unit];
  }
  if (factor === undefined || !Number.isFinite(value)) return undefined;
  return Math.ceil(value * factor);
}
