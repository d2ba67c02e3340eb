/**
 * Command-line options of `node dist/bench/run.js`. Durations accept "10s", "500ms" or plain
 * seconds. --smoke shrinks every default so the whole run takes well under a minute.
 */
export interface BenchOptions {
  readonly smoke: boolean;
  /** Undefined = every target and start-up scenario. */
  readonly targets?: readonly string[];
  readonly rate: number;
  readonly connections: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly saturationMs: number;
  readonly saturationWarmupMs: number;
  readonly saturation: boolean;
  readonly repeats: number;
  readonly startupRepeats: number;
  readonly timeoutMs: number;
  readonly readyTimeoutMs: number;
  readonly settleMs: number;
  readonly noPin: boolean;
  readonly outriggerMtls: boolean;
  readonly nameResolution: string;
  /** Output Markdown path; default bench/RESULTS.md or bench/out/smoke.md. */
  readonly out?: string;
}

export const USAGE = `usage: node dist/bench/run.js [--smoke] [--targets a,b] [--duration 10s] [--warmup 2s]
  [--rate 1000] [--connections 16] [--repeats 3] [--saturation-duration 5s] [--no-saturation]
  [--startup-repeats 5] [--no-pin] [--outrigger-mtls] [--name-resolution static|sqlite|mdns] [--out FILE] [--list]`;

export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new Error(`bad duration "${v}" (use 10s, 500ms, 1m or seconds)`);
  const x = Number(m[1]);
  return Math.round(m[2] === 'ms' ? x : m[2] === 'm' ? x * 60_000 : x * 1000);
}

function positiveInt(name: string, v: string): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x <= 0) throw new Error(`${name} must be a positive integer, got "${v}"`);
  return x;
}

export function parseOptions(argv: readonly string[]): BenchOptions | 'list' {
  const flags = new Map<string, string>();
  const bool = new Set<string>();
  const booleans = new Set(['--smoke', '--no-pin', '--outrigger-mtls', '--no-saturation', '--list', '--help']);
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    const [k, inline] = raw.includes('=') ? [raw.slice(0, raw.indexOf('=')), raw.slice(raw.indexOf('=') + 1)] : [raw, undefined];
    if (booleans.has(k)) bool.add(k);
    else if (k.startsWith('--')) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${k} needs a value`);
      flags.set(k, v);
    } else throw new Error(`unexpected argument "${raw}"`);
  }
  if (bool.has('--help')) throw new Error(USAGE);
  if (bool.has('--list')) return 'list';
  const known = ['--targets', '--duration', '--warmup', '--rate', '--connections', '--repeats', '--saturation-duration', '--startup-repeats', '--name-resolution', '--out', '--timeout'];
  for (const k of flags.keys()) if (!known.includes(k)) throw new Error(`unknown option ${k}\n${USAGE}`);
  const smoke = bool.has('--smoke');
  const get = (k: string): string | undefined => flags.get(k);
  const dur = (k: string, full: number, quick: number): number => (get(k) !== undefined ? parseDuration(get(k) as string) : smoke ? quick : full);
  const int = (k: string, full: number, quick: number): number => (get(k) !== undefined ? positiveInt(k, get(k) as string) : smoke ? quick : full);
  const targets = get('--targets')?.split(',').map((s) => s.trim()).filter(Boolean);
  const saturationMs = dur('--saturation-duration', 5000, 300);
  return {
    smoke,
    targets,
    rate: int('--rate', 1000, 200),
    connections: int('--connections', 16, 16),
    durationMs: dur('--duration', 10_000, 500),
    warmupMs: dur('--warmup', 2000, 200),
    saturationMs,
    saturationWarmupMs: smoke ? 100 : Math.min(1000, Math.round(saturationMs / 5)),
    saturation: !bool.has('--no-saturation'),
    repeats: int('--repeats', 3, 1),
    startupRepeats: int('--startup-repeats', 5, 1),
    timeoutMs: dur('--timeout', 5000, 2000),
    readyTimeoutMs: smoke ? 10_000 : 30_000,
    settleMs: smoke ? 300 : 2000,
    noPin: bool.has('--no-pin'),
    outriggerMtls: bool.has('--outrigger-mtls'),
    nameResolution: get('--name-resolution') ?? 'static',
    out: get('--out'),
  };
}
