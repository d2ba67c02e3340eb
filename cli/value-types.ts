/**
 * Value types for command-line flags and environment variables. Each type parses one raw string
 * (returning a value or `undefined` when malformed), says what it expects (for one-line errors)
 * and formats a value back (for defaults in --help).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface ValueType<V> {
  /** Shown after the flag name in help ("<port>"); undefined for booleans, which take no separate value. */
  readonly placeholder: string | undefined;
  /** What a valid value looks like, completing "expected ...". */
  readonly expected: string;
  /** The parsed value, or undefined when `raw` is malformed. */
  parse(raw: string): V | undefined;
  format(value: V): string;
}

export const stringType: ValueType<string> = {
  placeholder: '<string>',
  expected: 'a string',
  parse: (raw) => raw,
  format: (v) => v,
};

/** A string naming a path; a leading "~/" is expanded (environment values are not expanded by a shell). */
export function pathType(placeholder = '<path>'): ValueType<string> {
  return {
    placeholder,
    expected: 'a path',
    parse: (raw) => (raw === '~' ? homedir() : raw.startsWith('~/') ? join(homedir(), raw.slice(2)) : raw),
    format: (v) => v,
  };
}

/** Go's strconv.ParseBool spellings, which daprd's `-flag=value` accepts. */
const TRUE_WORDS = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

export const boolType: ValueType<boolean> = {
  placeholder: undefined,
  expected: 'true or false',
  parse: (raw) => (TRUE_WORDS.has(raw) ? true : FALSE_WORDS.has(raw) ? false : undefined),
  format: (v) => String(v),
};

export function intType(min: number, max: number, placeholder = '<int>'): ValueType<number> {
  return {
    placeholder,
    expected: max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer ${min}-${max}`,
    parse: (raw) => {
      if (!/^[+-]?\d+$/.test(raw)) return undefined;
      const n = Number(raw);
      return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
    },
    format: (v) => String(v),
  };
}

/** A TCP port; 0 asks the OS to pick one (the sidecar logs the port it got). */
export const portType: ValueType<number> = { ...intType(0, 65535, '<port>'), expected: 'an integer port 0-65535' };

/** One of a fixed set of words; `aliases` maps extra accepted words onto members (daprd's fatal -> error). */
export function choiceType<V extends string>(choices: readonly V[], aliases: Readonly<Record<string, V>> = {}): ValueType<V> {
  const accepted = new Map<string, V>(choices.map((c) => [c, c]));
  for (const [word, value] of Object.entries(aliases)) accepted.set(word, value);
  return {
    placeholder: `<${choices.join('|')}>`,
    expected: `one of ${choices.join(', ')}`,
    parse: (raw) => accepted.get(raw),
    format: (v) => v,
  };
}

/** A comma-separated list; blanks around entries are trimmed, empty entries are rejected. */
export function listType(placeholder = '<a,b,...>'): ValueType<string[]> {
  return {
    placeholder,
    expected: 'a comma-separated list of non-empty values',
    parse: (raw) => {
      const items = raw.split(',').map((s) => s.trim());
      return items.some((s) => s === '') ? undefined : items;
    },
    format: (v) => v.join(','),
  };
}

const BINARY_SUFFIX: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };
const DECIMAL_SUFFIX: Readonly<Record<string, number>> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };

/**
 * A size in bytes written as a Kubernetes resource quantity, as daprd's --max-body-size and
 * --read-buffer-size take it: "4Mi", "16Ki", "1.5Gi", "4M", "4096". Fractions round up to a whole
 * byte; the result must be at least 1.
 */
export function parseByteQuantity(raw: string): number | undefined {
  const m = /^\+?(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.exec(raw);
  if (!m) return undefined;
  const unit = m[2] === undefined ? 1 : (BINARY_SUFFIX[m[2]] ?? DECIMAL_SUFFIX[m[2]] ?? 1);
  const bytes = Math.ceil(Number(m[1]) * unit);
  return Number.isSafeInteger(bytes) && bytes >= 1 ? bytes : undefined;
}

/** Formats bytes the short way back (4194304 -> "4Mi"), for defaults in help. */
export function formatByteQuantity(bytes: number): string {
  for (const [suffix, unit] of Object.entries(BINARY_SUFFIX).reverse()) {
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${suffix}`;
  }
  return String(bytes);
}

export const byteQuantityType: ValueType<number> = {
  placeholder: '<quantity>',
  expected: 'a size such as 4Mi, 16Ki, 1Gi or a number of bytes',
  parse: parseByteQuantity,
  format: formatByteQuantity,
};

/** daprd's legacy size flags take a whole number of `unit` bytes (MB for request size, KB for read buffer). */
export function legacySizeType(unitBytes: number, unitName: string): ValueType<number> {
  return {
    placeholder: `<${unitName}>`,
    expected: `a positive integer number of ${unitName}`,
    parse: (raw) => {
      if (!/^\+?\d+$/.test(raw)) return undefined;
      const bytes = Number(raw) * unitBytes;
      return Number.isSafeInteger(bytes) && bytes >= 1 ? bytes : undefined;
    },
    format: (v) => String(v / unitBytes),
  };
}
