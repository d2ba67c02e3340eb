/**
 * A table-driven command-line parser with the Go `flag` semantics daprd users rely on:
 *   --name value | --name=value | -name value | -name=value
 *   booleans take no separate value: --flag, --flag=false
 *   `--` ends the flags; -h, -help, --help ask for usage.
 * One table of settings drives parsing, validation, environment fallbacks and the --help text.
 * A setting may be a flag, an environment variable, or both. Precedence: default < env < flag.
 * Failures are values (`{ kind: 'error', message }`), never exceptions.
 */
import type { ValueType } from './value-types';

/** One row of a command's table. T is the object the command parses into. */
export interface Setting<T> {
  /** Flag name without dashes; undefined for settings read only from the environment. */
  readonly flag: string | undefined;
  /** Environment variables consulted (first non-empty wins) when the flag is not given. */
  readonly env: readonly string[];
  readonly key: keyof T & string;
  readonly placeholder: string | undefined;
  readonly expected: string;
  readonly repeatable: boolean;
  readonly description: string;
  /** Default as shown in help; undefined = no default. */
  readonly defaultText: string | undefined;
  /** Set for deprecated spellings: the flag to use instead. Hidden from the main list in help. */
  readonly deprecatedFor: string | undefined;
  /** Parses `raw` into the draft (appending when repeatable; `fresh` resets the list first). False if malformed. */
  store(draft: Partial<T>, raw: string, fresh: boolean): boolean;
  applyDefault(draft: Partial<T>): void;
}

interface SettingDef<V> {
  flag?: string;
  env?: readonly string[];
  type: ValueType<V>;
  description: string;
  default?: V;
  /** Help text for a default computed elsewhere (e.g. derived from another flag). */
  defaultText?: string;
  deprecatedFor?: string;
}

/** Typed constructors for one target type, so each row's key and value type are checked together. */
export function settingsFor<T>() {
  type Draft = Record<string, unknown>;
  return {
    one<K extends keyof T & string>(key: K, def: SettingDef<T[K]>): Setting<T> {
      return {
        flag: def.flag,
        env: def.env ?? [],
        key,
        placeholder: def.type.placeholder,
        expected: def.type.expected,
        repeatable: false,
        description: def.description,
        defaultText: def.defaultText ?? (def.default === undefined ? undefined : def.type.format(def.default)),
        deprecatedFor: def.deprecatedFor,
        store(draft, raw) {
          const v = def.type.parse(raw);
          if (v === undefined) return false;
          (draft as Draft)[key] = v;
          return true;
        },
        applyDefault(draft) {
          if (def.default !== undefined) (draft as Draft)[key] = def.default;
        },
      };
    },
    /** A repeatable flag collecting into a string[] field. */
    many<K extends keyof T & string>(key: K, def: SettingDef<string> & { default?: string[] }): Setting<T> {
      const dflt = def.default ?? [];
      return {
        flag: def.flag,
        env: def.env ?? [],
        key,
        placeholder: def.type.placeholder,
        expected: def.type.expected,
        repeatable: true,
        description: def.description,
        defaultText: def.defaultText ?? (dflt.length ? dflt.join(' ') : undefined),
        deprecatedFor: def.deprecatedFor,
        store(draft, raw, fresh) {
          const v = def.type.parse(raw);
          if (v === undefined) return false;
          const list = (draft as Draft)[key];
          (draft as Draft)[key] = fresh || !Array.isArray(list) ? [v] : [...(list as string[]), v];
          return true;
        },
        applyDefault(draft) {
          (draft as Draft)[key] = [...dflt];
        },
      };
    },
  };
}

export type ParseOutcome<T> =
  | { readonly kind: 'ok'; readonly values: Partial<T>; readonly rest: string[] }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'error'; readonly message: string };

export interface ParseMode {
  /** true: the first non-flag argument ends the flags and starts `rest` (like `dapr run app ...`). */
  readonly stopAtPositional: boolean;
  /** Recognise --version / -version (daprd answers it; the dapr CLI asks it). */
  readonly versionFlag?: boolean;
}

export function parseSettings<T>(
  argv: readonly string[],
  table: readonly Setting<T>[],
  env: NodeJS.ProcessEnv,
  mode: ParseMode,
): ParseOutcome<T> {
  const byFlag = new Map<string, Setting<T>>();
  for (const s of table) if (s.flag !== undefined) byFlag.set(s.flag, s);
  const draft: Partial<T> = {};
  for (const s of table) s.applyDefault(draft);

  const fromEnv = new Set<string>();
  for (const s of table) {
    const name = s.env.find((n) => env[n] !== undefined && env[n] !== '');
    if (name === undefined) continue;
    if (!s.store(draft, env[name] as string, !fromEnv.has(s.key))) {
      return { kind: 'error', message: `invalid value for environment variable ${name}: expected ${s.expected}` };
    }
    fromEnv.add(s.key);
  }

  const fromFlags = new Set<string>();
  let rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (mode.stopAtPositional) {
        rest = argv.slice(i);
        break;
      }
      return { kind: 'error', message: `unexpected argument "${arg}": this command takes only flags` };
    }
    const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const inline = eq < 0 ? undefined : body.slice(eq + 1);
    if (name === 'h' || name === 'help') return { kind: 'help' };
    if (mode.versionFlag && name === 'version') return { kind: 'version' };
    const setting = byFlag.get(name);
    if (setting === undefined) return { kind: 'error', message: unknownFlagMessage(name, [...byFlag.keys()]) };

    let raw: string;
    if (setting.placeholder === undefined) {
      raw = inline ?? 'true';
    } else if (inline !== undefined) {
      raw = inline;
    } else {
      const next = argv[i + 1];
      if (next === undefined || looksLikeFlag(next, byFlag)) {
        return { kind: 'error', message: `flag --${name} needs a value: expected ${setting.expected}` };
      }
      raw = next;
      i++;
    }
    if (!setting.store(draft, raw, !fromFlags.has(setting.key))) {
      return { kind: 'error', message: `invalid value "${raw}" for flag --${name}: expected ${setting.expected}` };
    }
    fromFlags.add(setting.key);
  }
  return { kind: 'ok', values: draft, rest };
}

/** A following argument is taken as a missing value only when it names a flag; "-1" stays a value. */
function looksLikeFlag(arg: string, byFlag: ReadonlyMap<string, unknown>): boolean {
  if (arg === '--' || arg.startsWith('--')) return true;
  if (!arg.startsWith('-')) return false;
  const name = arg.slice(1).split('=')[0] as string;
  return name === 'h' || name === 'help' || byFlag.has(name);
}

function unknownFlagMessage(name: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return `unknown flag --${name}` + (best === undefined ? '' : ` (did you mean --${best}?)`);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/** The "Flags:" and "Environment:" sections of a command's help, every row with its default. */
export function formatSettingsHelp<T>(table: readonly Setting<T>[], extraFlagRows: readonly [string, string][] = []): string {
  const flagRows: [string, string][] = [];
  const deprecatedRows: [string, string][] = [];
  const envRows: [string, string][] = [];
  for (const s of table) {
    const dflt = s.defaultText === undefined ? '' : ` (default ${s.defaultText})`;
    if (s.flag !== undefined) {
      const usage = `--${s.flag}` + (s.placeholder === undefined ? '[=false]' : ` ${s.placeholder}`);
      const more = s.repeatable ? ' (repeatable)' : '';
      const envNote = s.env.length ? ` [env ${s.env.join(', ')}]` : '';
      if (s.deprecatedFor !== undefined) {
        deprecatedRows.push([usage, `deprecated, use --${s.deprecatedFor}: ${s.description}${more}`]);
      } else {
        flagRows.push([usage, s.description + more + dflt + envNote]);
      }
    }
    s.env.forEach((name, i) => {
      const text = i > 0 ? `same as ${s.env[0]}` : s.flag === undefined ? s.description + dflt : `fallback for --${s.flag}`;
      envRows.push([name, text]);
    });
  }
  flagRows.push(...extraFlagRows, ['-h, --help', 'show this help and exit']);
  const sections = ['Flags (also accepted as -flag and --flag=value):\n' + columns(flagRows)];
  if (deprecatedRows.length) sections.push('Deprecated flags (still accepted):\n' + columns(deprecatedRows));
  if (envRows.length) sections.push('Environment (a flag overrides its environment variable):\n' + columns(envRows));
  return sections.join('\n\n');
}

function columns(rows: readonly [string, string][]): string {
  const width = Math.min(40, Math.max(...rows.map(([l]) => l.length)));
  return rows
    .map(([left, right]) => (left.length > width ? `  ${left}\n  ${' '.repeat(width)}  ${right}` : `  ${left.padEnd(width)}  ${right}`))
    .join('\n');
}
